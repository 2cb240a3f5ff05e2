# %% [markdown]
# # 2. Convolution by hand, then as one matrix product (im2col)
#
# A convolution layer slides small filters over an image and, at every position, takes
# the dot product of the filter with the patch under it. We first write that loop
# ourselves on a real handwritten digit, then see how `im2col` turns a whole batch of
# convolutions into **one** matrix product — the trick that makes them fast — and
# finally look at max-pooling and where its gradient goes.

# %%
import numpy as np
import matplotlib.pyplot as plt
import tinygrad_cnn as tg
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.kernels.im2col import im2col, col2im
from tinygrad_cnn.training.datasets import load_split

plt.rcParams.update({"figure.dpi": 80, "image.cmap": "gray"})

# %% [markdown]
# Real MNIST digits if they are on disk (a checkout looks in `../shared/data/mnist`),
# otherwise scikit-learn's bundled 8x8 digits; float32, NCHW (N images, C channels, H, W).

# %%
try:
    (images, labels), _ = load_split("mnist")
except FileNotFoundError:
    (images, labels), _ = load_split("digits")
images = images - images.min()   # background to 0, the value zero padding adds
print(images.shape, images.dtype, "first labels:", labels[:10])
digit = images[0, 0]
plt.figure(figsize=(2.5, 2.5)); plt.imshow(digit); plt.title(f"label {labels[0]}"); plt.axis("off");

# %% [markdown]
# ## A convolution by hand
#
# Output pixel $(i, j)$ is the sum of the filter times the patch whose top-left corner is
# at $(i \cdot s, j \cdot s)$ in the zero-padded image. (Deep learning's "convolution"
# does not flip the filter — strictly, it is a cross-correlation.)

# %%
def conv2d_by_hand(image, kernel, stride=1, padding=0):
    """One greyscale image (H, W), one filter (K, K)."""
    k = kernel.shape[0]
    padded = np.pad(image, padding)
    out_h = (padded.shape[0] - k) // stride + 1
    out_w = (padded.shape[1] - k) // stride + 1
    out = np.zeros((out_h, out_w), dtype=image.dtype)
    for i in range(out_h):
        for j in range(out_w):
            patch = padded[i * stride:i * stride + k, j * stride:j * stride + k]
            out[i, j] = (patch * kernel).sum()
    return out

# %% [markdown]
# The Sobel filters respond to horizontal and vertical changes of brightness: edges.

# %%
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
sobel_y = sobel_x.T.copy()

gx = conv2d_by_hand(digit, sobel_x, padding=1)
gy = conv2d_by_hand(digit, sobel_y, padding=1)
edges = np.sqrt(gx ** 2 + gy ** 2)

fig, axes = plt.subplots(1, 4, figsize=(9, 2.6))
for ax, img, title in zip(axes, [digit, gx, gy, edges],
                          ["digit", "sobel x", "sobel y", "edge strength"]):
    ax.imshow(img, cmap="RdBu_r" if title.startswith("sobel") else "gray")
    ax.set_title(title); ax.axis("off")

# %% [markdown]
# ## Stride, padding and the output size
#
# For an input of size $H$, a $K \times K$ filter, padding $P$ and stride $S$:
#
# $$O = \left\lfloor \frac{H + 2P - K}{S} \right\rfloor + 1$$
#
# Padding $P = (K-1)/2$ with stride 1 keeps the size ("same"); stride 2 roughly halves it.

# %%
def output_size(h, k, stride=1, padding=0):
    return (h + 2 * padding - k) // stride + 1

h = digit.shape[0]
for stride, padding in [(1, 0), (1, 1), (2, 0), (2, 1), (3, 1)]:
    ours = conv2d_by_hand(digit, sobel_x, stride, padding)
    theirs = F.conv2d(tg.tensor(digit[None, None]), tg.tensor(sobel_x[None, None]),
                      stride=stride, padding=padding)
    print(f"stride {stride}, padding {padding}: formula {output_size(h, 3, stride, padding):2d}"
          f"  by hand {ours.shape}  F.conv2d {theirs.shape[2:]}"
          f"  same values: {np.allclose(ours, theirs.detach().numpy()[0, 0], atol=1e-5)}")

# %% [markdown]
# ## im2col: every patch becomes a column
#
# The loop above does one small dot product per output pixel — slow in Python. `im2col`
# instead copies every receptive field into a column of a matrix. Take a batch of
# **10 images of 1×9×9** (digits shrunk by 3×3 average pooling) and a 3×3 filter with
# padding 1, so each image has 9×9 = 81 output positions:
#
# - rows: the 1·3·3 = **9** filter taps, columns: 10·81 = **810** positions.

# %%
if images.shape[-1] == 28:    # MNIST: crop 28x28 to 27x27, average 3x3 blocks -> 9x9
    batch = F.avg_pool2d(tg.tensor(images[:10, :, :27, :27]), 3).detach().numpy()
else:                          # 8x8 digits: pad one row and one column -> 9x9
    batch = np.pad(images[:10], ((0, 0), (0, 0), (0, 1), (0, 1)))
print("batch", batch.shape)

cols = im2col(batch, kernel_size=3, stride=1, padding=1)
print("cols ", cols.shape)

fig, axes = plt.subplots(1, 2, figsize=(9, 2.2), gridspec_kw={"width_ratios": [4, 1]})
axes[0].imshow(cols, aspect="auto"); axes[0].set_title("cols: 9 taps x 810 positions")
axes[0].set_xlabel("column = (image, output row, output column)"); axes[0].set_ylabel("tap")
axes[1].imshow(cols[:, 40].reshape(3, 3)); axes[1].set_title("column 40 as 3x3")
axes[1].axis("off");

# %% [markdown]
# Column 40 is the 3×3 patch around pixel (4, 4) — the centre — of image 0:

# %%
print(np.allclose(cols[:, 40].reshape(3, 3), batch[0, 0, 3:6, 3:6]))

# %% [markdown]
# ## ...and the convolution is one matrix product
#
# Stack five 3×3 filters as the rows of a 5×9 matrix. One product `W @ cols` computes
# all 5 filters at all 810 positions; reshaping the 5×810 result gives the
# (10, 5, 9, 9) output. It matches `F.conv2d`, which works exactly this way (its
# backward uses `col2im`, the transpose of `im2col`, to send gradients back to pixels).

# %%
filters = np.stack([
    sobel_x, sobel_y,
    np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),      # Laplacian: blobs and corners
    np.full((3, 3), 1 / 9),                             # box blur
    np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),    # sharpen
]).astype(np.float32)[:, None]                          # (5, 1, 3, 3)

W = filters.reshape(5, -1)                     # (5, 9)
out = (W @ cols)                               # (5, 810)
out = out.reshape(5, 10, 9, 9).transpose(1, 0, 2, 3)
print("W", W.shape, "@ cols", cols.shape, "->", out.shape)

reference = F.conv2d(tg.tensor(batch), tg.tensor(filters), padding=1)
print("matches F.conv2d:", np.allclose(out, reference.detach().numpy(), atol=1e-5))

# %% [markdown]
# ## The reference convolution, and the same answer faster
#
# The library keeps this plain numpy version as a route of its own,
# `tinygrad_cnn/kernels/routes/reference.py`: im2col by slicing (one copy per kernel tap),
# then one `einsum` for the product — and its backward, the transposed products plus the
# `col2im` scatter, in a dozen more lines. It is the one to read first, and the tests hold
# every other route against it and against PyTorch. For each shape `F.conv2d` takes the
# first *fast* route that applies — `pointwise` (1x1 kernels: one matrix product per
# image), `direct` (few channels, no matrix product at all), `blocked` (im2col + BLAS one
# cache-sized block at a time), `im2col` (numba copies + BLAS, e.g. grouped convs) — and
# each gives the same answer, faster. `route_name` says which one a shape takes;
# `use_route` forces one.

# %%
import inspect
from tinygrad_cnn.kernels.conv import route_name, use_route
from tinygrad_cnn.kernels.routes import reference as reference_route

print(inspect.getsource(reference_route._columns))
print(inspect.getsource(reference_route.forward))
print("this batch takes the", route_name(batch.shape, filters.shape, padding=1), "route")
with use_route("reference"):
    by_reference = F.conv2d(tg.tensor(batch), tg.tensor(filters), padding=1)
print("reference route gives the same answer:",
      np.allclose(by_reference.detach().numpy(), reference.detach().numpy(), atol=1e-5))

# %%
names = ["input", "sobel x", "sobel y", "laplacian", "blur", "sharpen"]
fig, axes = plt.subplots(3, 6, figsize=(8, 4.2))
for row in range(3):
    for col, img in enumerate([batch[row, 0]] + list(out[row])):
        axes[row, col].imshow(img); axes[row, col].axis("off")
        if row == 0:
            axes[row, col].set_title(names[col], fontsize=9)

# %% [markdown]
# `col2im` goes the other way: it adds every column entry back onto the pixel it came
# from. Applied to a matrix of ones, it counts how many 3×3 windows cover each pixel:

# %%
print(col2im(np.ones_like(cols), batch.shape, 3, padding=1)[0, 0].astype(int))

# %% [markdown]
# ## Max-pooling, and where its gradient goes
#
# Max-pooling with a 2×2 window and stride 2 keeps the largest value of each window:
# the map shrinks by half and small shifts matter less.

# %%
x = tg.tensor([[1., 3., 2., 0.],
               [4., 2., 1., 5.],
               [0., 1., 6., 2.],
               [2., 7., 3., 1.]]).reshape(1, 1, 4, 4).requires_grad_()
pooled, winners = F.max_pool2d(x, 2, return_indices=True)
print(pooled[0, 0])
print("flat index of each window's winner:", winners[0, 0].tolist())

# %% [markdown]
# The output is just a copy of the winner, so $\partial\,\text{out}/\partial\,\text{winner} = 1$
# and every other input of the window gets **zero**: backward routes each incoming
# gradient to the position that won the forward pass.

# %%
upstream = tg.tensor([[10., 20.], [30., 40.]]).reshape(1, 1, 2, 2)
pooled.backward(upstream)
print(x.grad[0, 0])

# %% [markdown]
# On the digit's edge map: half the size, the strong edges survive.

# %%
small = F.max_pool2d(tg.tensor(edges[None, None]), 2)[0, 0].detach().numpy()
fig, axes = plt.subplots(1, 2, figsize=(4.5, 2.4))
axes[0].imshow(edges); axes[0].set_title(f"{edges.shape}")
axes[1].imshow(small); axes[1].set_title(f"max-pooled {small.shape}")
for ax in axes:
    ax.axis("off")

# %% [markdown]
# **Next:** [03 — the backprop circuit](03_backprop_circuit.ipynb) follows every number
# through one conv → ReLU → max-pool layer.
