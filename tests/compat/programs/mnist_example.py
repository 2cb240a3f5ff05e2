# In the style of pytorch/examples mnist/main.py: a Net class, train()/test() functions taking
# a device, Adadelta + StepLR, accelerator probing, DataLoader kwargs with workers, saving.
# torchvision's MNIST is replaced by the project's 8x8 digits loader (same shapes, smaller).
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

from tinygrad_cnn.data import load_digits, train_test_split


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, 1, padding=1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(512, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    losses = []
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if batch_idx % args["log_interval"] == 0 and args["verbose"]:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}]"
                  f"\tLoss: {loss.item():.6f}")
    return losses


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    return test_loss, correct / len(test_loader.dataset)


args = {"batch_size": 64, "test_batch_size": 1000, "epochs": 3, "lr": 1.0, "gamma": 0.7,
        "log_interval": 10, "verbose": False}
use_accel = torch.accelerator.is_available()
torch.manual_seed(1)
if use_accel:
    device = torch.accelerator.current_accelerator()
else:
    device = torch.device("cpu")

train_kwargs = {"batch_size": args["batch_size"]}
test_kwargs = {"batch_size": args["test_batch_size"]}
if use_accel:
    accel_kwargs = {"num_workers": 1, "persistent_workers": True, "pin_memory": True,
                    "shuffle": True}
else:
    accel_kwargs = {"num_workers": 1, "pin_memory": True, "shuffle": True}
train_kwargs.update(accel_kwargs)
test_kwargs.update({"num_workers": 1, "pin_memory": True})

(x_train, y_train), (x_test, y_test) = train_test_split(*load_digits(), test_size=0.25)
mean, std = x_train.mean(), x_train.std()
to_images = lambda x: torch.tensor(((x - mean) / std)[:, None], dtype=torch.float32)  # noqa: E731
dataset1 = TensorDataset(to_images(x_train), torch.tensor(y_train))
dataset2 = TensorDataset(to_images(x_test), torch.tensor(y_test))
train_loader = DataLoader(dataset1, **train_kwargs)
test_loader = DataLoader(dataset2, **test_kwargs)

model = Net().to(device)
optimizer = optim.Adadelta(model.parameters(), lr=args["lr"])
scheduler = StepLR(optimizer, step_size=1, gamma=args["gamma"])
losses = []
for epoch in range(1, args["epochs"] + 1):
    losses += train(args, model, device, train_loader, optimizer, epoch)
    test_loss, accuracy = test(model, device, test_loader)
    scheduler.step()

torch.save(model.state_dict(), os.path.join(tempfile.mkdtemp(), "mnist_cnn.pt"))
RESULT = {"first_loss": sum(losses[:5]) / 5, "last_loss": sum(losses[-5:]) / 5,
          "accuracy": accuracy}
