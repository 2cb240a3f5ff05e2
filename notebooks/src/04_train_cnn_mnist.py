# %% [markdown]
# # 4. Train a CNN on MNIST
#
# The tutorial's CNN — two conv → ReLU → max-pool stages, then a small classifier — on
# handwritten digits, with a plain training loop you can read: forward, loss, backward,
# step. Then we look inside: loss and accuracy curves, the first layer's learned
# filters, feature maps, a confusion matrix and the digits it gets wrong.
#
# To keep the notebook quick this trains **one epoch on 12,000 images** (about a minute
# on a laptop; ~96–97% test accuracy). The full training — 3 epochs on all
# 60,000 images, ≥ 99% — is one command:
#
# ```bash
# tinygrad-cnn train --dataset mnist --epochs 3 --out runs/mnist
# ```

# %%
import os
import time

import numpy as np
import matplotlib.pyplot as plt

import tinygrad_cnn as tg
from tinygrad_cnn import optim
from tinygrad_cnn.data import DataLoader, TensorDataset
from tinygrad_cnn.models import LeNet
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.training import evaluate
from tinygrad_cnn.training.datasets import load_split
from tinygrad_cnn.viz import draw_graph

plt.rcParams.update({"figure.dpi": 80})
# TINYGRAD_CNN_NOTEBOOK_QUICK=1 (set by the tests) trains on far fewer images
QUICK = os.environ.get("TINYGRAD_CNN_NOTEBOOK_QUICK") == "1"
N_TRAIN, N_TEST = (2_000, 2_000) if QUICK else (12_000, 10_000)

# %% [markdown]
# ## Data
#
# MNIST from `../shared/data/mnist` when present (pass `data_dir=` to `load_split`, or
# use `tinygrad_cnn.data.load_mnist(root, download=True)` to fetch it); otherwise the
# 8×8 digits bundled with scikit-learn, so the notebook always runs offline (they are
# only 1,438 training images: one epoch gives ~80%, `tinygrad-cnn train --dataset digits`
# trains longer). Images are normalised float32 NCHW arrays.

# %%
try:
    (x_train, y_train), (x_test, y_test) = load_split("mnist")
    dataset = "MNIST"
except FileNotFoundError:
    (x_train, y_train), (x_test, y_test) = load_split("digits")
    dataset = "8x8 digits (MNIST not found)"

rng = np.random.default_rng(0)
pick = rng.permutation(len(x_train))[:N_TRAIN]
x_train, y_train = x_train[pick], y_train[pick]
x_test, y_test = x_test[:N_TEST], y_test[:N_TEST]
print(f"{dataset}: train {x_train.shape}, test {x_test.shape}")

fig, axes = plt.subplots(1, 10, figsize=(9, 1.2))
for ax, img, label in zip(axes, x_train, y_train):
    ax.imshow(img[0], cmap="gray"); ax.set_title(int(label)); ax.axis("off")

# %% [markdown]
# ## The model
#
# `LeNet` is the tutorial network: conv 32@3×3 → ReLU → max-pool 2 → conv 64@3×3 → ReLU →
# max-pool 2 → flatten → dense 128 → ReLU → dropout 0.5 → dense 10.

# %%
tg.manual_seed(0)
model = LeNet(image_size=x_train.shape[-1])
print(model)

# %% [markdown]
# `model.summary(input_size)` runs one image through it and lists every layer's output
# shape, parameters and multiply-adds (like torchinfo's `summary`): the two convolutions
# hold few of the parameters but do almost all of the arithmetic.

# %%
print(model.summary((1,) + x_train.shape[1:]))

# %% [markdown]
# One forward/backward pass on a small batch, drawn with one box per module
# (`collapse_modules=True`) — the red `∇` lines summarise each parameter's gradient:

# %%
loss = F.cross_entropy(model(tg.tensor(x_train[:8])), tg.tensor(y_train[:8]))
loss.backward()
draw_graph(loss, params=dict(model.named_parameters()), collapse_modules=True,
           show_tensors=False)

# %% [markdown]
# ## Training
#
# Adam (learning rate 2e-3: a single short epoch favours a bolder step than the default
# 1e-3), mini-batches of 64, one epoch. We record the loss and accuracy of every batch
# and print a line every 50 batches.

# %%
optimizer = optim.Adam(model.parameters(), lr=2e-3)
loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True, seed=0)
losses, accuracies = [], []

model.train()
start = time.perf_counter()
for batch, (x, y) in enumerate(loader, 1):
    optimizer.zero_grad()
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    accuracies.append(float((logits.detach().numpy().argmax(1) == y.detach().numpy()).mean()))
    if batch % 50 == 0 or batch == len(loader):
        print(f"batch {batch:3d}/{len(loader)}: loss {np.mean(losses[-50:]):.3f}, "
              f"accuracy {np.mean(accuracies[-50:]):.1%} (last 50 batches)")
print(f"trained on {len(x_train):,} images in {time.perf_counter() - start:.0f} s")

test = evaluate(model, DataLoader(TensorDataset(x_test, y_test), batch_size=500))
print(f"test loss {test['loss']:.4f}, test accuracy {test['accuracy']:.2%}")

# %%
def smoothed(values, k=20):
    """Moving average over k batches, plotted at the batch where each window ends."""
    k = min(k, len(values))
    return np.arange(k - 1, len(values)), np.convolve(values, np.ones(k) / k, mode="valid")

fig, axes = plt.subplots(1, 2, figsize=(9, 2.8))
for ax, values, title in [(axes[0], losses, "training loss"),
                          (axes[1], accuracies, "training accuracy")]:
    ax.plot(values, alpha=0.3, label="per batch")
    ax.plot(*smoothed(values), label="moving average")
    ax.set_title(title); ax.set_xlabel("batch")
axes[1].axhline(test["accuracy"], color="k", ls="--", lw=1, label="test accuracy")
axes[1].set_ylim(0, 1); axes[1].legend(loc="lower right")
fig.tight_layout()

# %% [markdown]
# ## What did the first layer learn?
#
# The 32 filters of the first convolution, each 3×3 (red positive, blue negative). Many
# look like small edge and stroke detectors — compare with the Sobel filters of
# notebook 2.

# %%
filters = model.features[0].weight.detach().numpy()[:, 0]          # (32, 3, 3)
fig, axes = plt.subplots(2, 16, figsize=(9, 1.4))
for ax, f in zip(axes.flat, filters):
    lim = np.abs(f).max()
    ax.imshow(f, cmap="RdBu_r", vmin=-lim, vmax=lim); ax.axis("off")

# %% [markdown]
# ## Feature maps
#
# A forward hook records a module's output on every call. Here: the first conv block's
# ReLU (32 maps at full resolution) and the second (64 smaller maps, first 16 shown) for
# one test digit.

# %%
recorded = {}
hooks = [model.features[1].register_forward_hook(lambda m, i, out: recorded.update(relu1=out)),
         model.features[4].register_forward_hook(lambda m, i, out: recorded.update(relu2=out))]
model.eval()
with tg.no_grad():
    model(tg.tensor(x_test[:1]))
for h in hooks:
    h.remove()

fig, axes = plt.subplots(3, 16, figsize=(9, 2.2))
for ax, fmap in zip(axes[:2].flat, recorded["relu1"].detach().numpy()[0]):
    ax.imshow(fmap, cmap="viridis"); ax.axis("off")
for ax, fmap in zip(axes[2], recorded["relu2"].detach().numpy()[0]):
    ax.imshow(fmap, cmap="viridis"); ax.axis("off")
fig.suptitle(f"test digit {y_test[0]}: conv1 maps {recorded['relu1'].shape[2:]} (rows 1-2), "
             f"conv2 maps {recorded['relu2'].shape[2:]} (row 3)", fontsize=9);

# %% [markdown]
# ## Confusion matrix
#
# Row = true digit, column = predicted digit; everything off the diagonal is a mistake.

# %%
with tg.no_grad():
    predictions = np.concatenate([model(tg.tensor(x_test[i:i + 500])).detach().numpy().argmax(1)
                                  for i in range(0, len(x_test), 500)])
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, predictions), 1)

fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.imshow(np.log1p(confusion), cmap="Blues")
for i in range(10):
    for j in range(10):
        if confusion[i, j]:
            ax.text(j, i, confusion[i, j], ha="center", va="center", fontsize=7,
                    color="white" if i == j else "black")
ax.set_xticks(range(10)); ax.set_yticks(range(10))
ax.set_xlabel("predicted"); ax.set_ylabel("true");

# %% [markdown]
# ## Some digits it gets wrong
#
# Many mistakes are digits a person would hesitate over too.

# %%
wrong = np.flatnonzero(predictions != y_test)
print(f"{len(wrong)} of {len(y_test)} test digits misclassified")
fig, axes = plt.subplots(1, 10, figsize=(9, 1.4))
for ax in axes:
    ax.axis("off")
for ax, i in zip(axes, wrong[:10]):
    ax.imshow(x_test[i, 0], cmap="gray")
    ax.set_title(f"{y_test[i]} → {predictions[i]}", fontsize=9)

# %% [markdown]
# ## Going further
#
# - Train fully from the command line (3 epochs, all 60,000 images, ≥ 99% on MNIST):
#   `tinygrad-cnn train --dataset mnist --epochs 3 --out runs/mnist`. The run folder gets
#   a checkpoint and a `metrics.csv` row every epoch, and at the end the curves, this
#   confusion matrix and the misclassified digits as PNGs (add `--resume` to continue a
#   run, `--augment` for random shifts and rotations, `--keep best`, `--early-stop 2`,
#   `--download` to fetch MNIST).
# - `tinygrad_cnn.training.fit` is the same loop as above, with evaluation after each
#   epoch, a learning-rate scheduler and one line per epoch (progress bars in a terminal).
# - Swap the optimizer (`optim.SGD(model.parameters(), lr=0.05, momentum=0.9)`), add
#   `nn.BatchNorm2d`, or change the model — and draw it with `draw_graph` to see what
#   you built.
