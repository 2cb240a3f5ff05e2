# In the style of a textbook LeNet chapter (d2l "Convolutional Neural Networks (LeNet)"):
# nn.Sequential (with the chapter exercise's ReLU; sigmoid needs far more data than the
# 8x8 digits to leave its plateau), Xavier init via net.apply, a try_gpu helper,
# an accumulator-based accuracy evaluation and a train loop moving batches to the device.
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from tinygrad_cnn.data import load_digits, train_test_split


def try_gpu(i=0):
    """Return gpu(i) if exists, otherwise return cpu()."""
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")


class Accumulator:
    """For accumulating sums over n variables."""

    def __init__(self, n):
        self._data = [0.0] * n

    def add(self, *args):
        self._data = [a + float(b) for a, b in zip(self._data, args)]

    def __getitem__(self, idx):
        return self._data[idx]


def accuracy(y_hat, y):
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """Compute the accuracy for a model on a dataset using a GPU."""
    if isinstance(net, nn.Module):
        net.eval()
        if not device:
            device = next(iter(net.parameters())).device
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            X = X.to(device)
            y = y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device):
    """Train a model with a GPU."""
    def init_weights(m):
        if type(m) == nn.Linear or type(m) == nn.Conv2d:
            nn.init.xavier_uniform_(m.weight)
    net.apply(init_weights)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    history = []
    for epoch in range(num_epochs):
        metric = Accumulator(3)
        net.train()
        for i, (X, y) in enumerate(train_iter):
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)  # noqa: E741
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
        train_l = metric[0] / metric[2]
        train_acc = metric[1] / metric[2]
        test_acc = evaluate_accuracy_gpu(net, test_iter)
        history.append((train_l, train_acc, test_acc))
    return history


torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=3, padding=1), nn.ReLU(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.Linear(16 * 2 * 2, 120), nn.ReLU(),
    nn.Linear(120, 84), nn.ReLU(),
    nn.Linear(84, 10))

(x_train, y_train), (x_test, y_test) = train_test_split(*load_digits(), test_size=0.25)
as_images = lambda x: torch.tensor(x[:, None] / 16.0).float()  # noqa: E731
train_iter = DataLoader(TensorDataset(as_images(x_train), torch.tensor(y_train)), batch_size=16,
                        shuffle=True)
test_iter = DataLoader(TensorDataset(as_images(x_test), torch.tensor(y_test)), batch_size=256)
history = train_ch6(net, train_iter, test_iter, num_epochs=10, lr=0.05, device=try_gpu())
RESULT = {"first_loss": history[0][0], "last_loss": history[-1][0], "accuracy": history[-1][2]}
