# In the style of the "Training a Classifier" (CIFAR-10) tutorial: Net with conv/pool/fc,
# SGD with momentum, a running-loss loop over enumerate(trainloader, 0), saving and
# reloading the state dict, overall and per-class accuracy, then moving the net to a device.
# CIFAR-10 is replaced by the 8x8 digits upsampled to 3x32x32 colour images.
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

from tinygrad_cnn.data import load_digits, train_test_split

(x_train, y_train), (x_test, y_test) = train_test_split(*load_digits(), test_size=0.25)


def to_colour(x):
    """Like transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)) on 32x32 RGB images."""
    x = np.kron(x / 16.0, np.ones((4, 4)))[:, None].repeat(3, axis=1)
    return ((x - 0.5) / 0.5).astype(np.float32)


trainset = torch.utils.data.TensorDataset(torch.tensor(to_colour(x_train)), torch.tensor(y_train))
testset = torch.utils.data.TensorDataset(torch.tensor(to_colour(x_test)), torch.tensor(y_test))
batch_size = 4
trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=True,
                                          num_workers=2)
testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=False,
                                         num_workers=2)
classes = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


torch.manual_seed(0)
net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

epoch_losses = []
for epoch in range(2):  # loop over the dataset multiple times
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    epoch_losses.append(running_loss / len(trainloader))

PATH = os.path.join(tempfile.mkdtemp(), "cifar_net.pth")
torch.save(net.state_dict(), PATH)
net = Net()
net.load_state_dict(torch.load(PATH, weights_only=True))

correct = 0
total = 0
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predicted = torch.max(outputs, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predictions = torch.max(outputs, 1)
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1
class_accuracy = {c: correct_pred[c] / total_pred[c] for c in classes}

device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
net.to(device)
inputs, labels = next(iter(testloader))
inputs, labels = inputs.to(device), labels.to(device)
on_device = net(inputs).shape

RESULT = {"first_loss": epoch_losses[0], "last_loss": epoch_losses[-1],
          "accuracy": correct / total, "worst_class": min(class_accuracy.values()),
          "on_device": tuple(on_device)}
