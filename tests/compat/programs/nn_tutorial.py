# In the style of the "What is torch.nn really?" tutorial: a model from scratch with manual
# SGD (in-place updates under no_grad), then the same refactored step by step into
# nn.Module, optim, TensorDataset/DataLoader and a fit() function with validation.
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

from tinygrad_cnn.data import load_digits, train_test_split

(x_train, y_train), (x_valid, y_valid) = train_test_split(*load_digits(), test_size=0.25)
x_train, y_train, x_valid, y_valid = map(
    torch.tensor,
    (x_train.reshape(-1, 64) / 16.0, y_train, x_valid.reshape(-1, 64) / 16.0, y_valid))
x_train, x_valid = x_train.float(), x_valid.float()
n, c = x_train.shape

# --- part 1: from scratch ------------------------------------------------------------------
torch.manual_seed(0)
weights = torch.randn(64, 10) / math.sqrt(64)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


loss_func = nll


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


bs = 64
lr = 0.5
epochs = 2
scratch_before = loss_func(model(x_valid), y_valid).item()
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
scratch_after = loss_func(model(x_valid), y_valid).item()

# --- part 2: nn.Module, parameters() and model.zero_grad() ---------------------------------
loss_func = F.cross_entropy


class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(64, 10) / math.sqrt(64))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


model = Mnist_Logistic()
module_before = loss_func(model(x_valid), y_valid).item()
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb = x_train[i * bs: i * bs + bs]
        yb = y_train[i * bs: i * bs + bs]
        loss = loss_func(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= p.grad * lr
            model.zero_grad()
module_after = loss_func(model(x_valid), y_valid).item()

# --- part 3: optim, DataLoader, fit() with validation ----------------------------------------


class Mnist_CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 8, 8)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 1)
        return xb.view(-1, xb.size(1))


def get_data(train_ds, valid_ds, bs):
    return (DataLoader(train_ds, batch_size=bs, shuffle=True),
            DataLoader(valid_ds, batch_size=bs * 2))


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
    return val_loss


train_dl, valid_dl = get_data(TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid), bs)
cnn = Mnist_CNN()
opt = optim.SGD(cnn.parameters(), lr=0.1, momentum=0.9)
val_loss = fit(4, cnn, loss_func, opt, train_dl, valid_dl)
with torch.no_grad():
    cnn_accuracy = accuracy(cnn(x_valid), y_valid).item()

RESULT = {"scratch": (scratch_before, scratch_after), "module": (module_before, module_after),
          "val_loss": val_loss, "accuracy": cnn_accuracy}
