# %% [markdown]
# # 5. Every figure of the CNN lecture, computed by the engine
#
# The CNN lecture (and its blog) explains convolutions and their backprop with hand-drawn
# figures. Here each one is regenerated from a **real computation** with `tinygrad_cnn`,
# next to its formula, and every number is checked: forward outputs against a plain loop,
# gradients against the formula the lecture derives. Then the views that show backprop
# itself: gradient flow, the vanishing gradient over training, backprop step by step, a
# visual gradcheck, and one op of LeNet opened into its circuit.

# %%
import numpy as np
import matplotlib.pyplot as plt
import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.kernels.im2col import col2im, im2col
from tinygrad_cnn.viz import (backprop_frames, draw_circuit, draw_gradient_flow, open_op,
                              record_backward, retain_all_grads)
from tinygrad_cnn.viz.volumes import draw_volumes, feature_shapes, heatmap

plt.rcParams.update({"figure.dpi": 90})
rng = np.random.default_rng(0)


def grid(values):
    """A float64 tensor from a nested list or array, for exact numbers."""
    return tg.tensor(np.asarray(values, dtype=np.float64))


# %% [markdown]
# ## 1. Stride and padding on a 7×7 input
#
# A $k\times k$ filter with stride $s$ and padding $p$ on an $n\times n$ input gives
# $$n_\text{out} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1 .$$
# With $n = 7$, $k = 3$: stride 1, no padding ('valid') gives 5×5; stride 2 gives 3×3;
# padding 1 ('same') keeps 7×7.

# %%
image = grid(np.arange(49).reshape(1, 1, 7, 7) % 5)
kernel = grid([[[[1, 0, -1], [1, 0, -1], [1, 0, -1]]]])
settings = {"valid: s=1, p=0": (1, 0), "s=2, p=0": (2, 0), "same: s=1, p=1": (1, 1)}
fig, axes = plt.subplots(1, 4, figsize=(9.5, 2.8), gridspec_kw={"width_ratios": [7, 5, 3, 7]})
heatmap(axes[0], image, "input 7×7", symmetric=False, cmap="Greys")
for ax, (name, (s, p)) in zip(axes[1:], settings.items()):
    out = F.conv2d(image, kernel, stride=s, padding=p)
    n_out = (7 + 2 * p - 3) // s + 1
    assert out.shape[-2:] == (n_out, n_out)
    loop = [[(np.pad(image.numpy()[0, 0], p)[i * s:i * s + 3, j * s:j * s + 3]
              * kernel.numpy()[0, 0]).sum() for j in range(n_out)] for i in range(n_out)]
    np.testing.assert_allclose(out.numpy()[0, 0], loop)
    heatmap(axes[-1 if p else list(settings).index(name) + 1], out, f"{name}: {n_out}×{n_out}")
plt.tight_layout()

# %% [markdown]
# ## 2. A multi-channel convolution: 5×5×3 input, padding 1, two 3×3×3 filters, stride 2
#
# Each filter has one 3×3 slice per input channel; an output value is the sum over the
# channels of each slice's dot product with its channel's patch, plus the filter's bias:
# $$z_{o,i,j} = b_o + \sum_{c=1}^{3} \sum_{u,v} w_{o,c,u,v}\, x_{c,\,2i+u-1,\,2j+v-1}.$$
# Output: $\lfloor (5 + 2 - 3)/2 \rfloor + 1 = 3$, so 3×3×2.

# %%
x = grid(rng.integers(0, 3, (1, 3, 5, 5)))
w = grid(rng.integers(-1, 2, (2, 3, 3, 3)))
b = grid([1, 0])
z = F.conv2d(x, w, b, stride=2, padding=1)
print("output shape", z.shape)
padded = np.pad(x.numpy()[0], ((0, 0), (1, 1), (1, 1)))
o, i, j = 0, 1, 2
per_channel = [(padded[c, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * w.numpy()[o, c]).sum()
               for c in range(3)]
print(f"z[filter {o}, {i}, {j}] = " + " + ".join(f"{v:g}" for v in per_channel)
      + f" + bias {b.numpy()[o]:g} = {sum(per_channel) + b.numpy()[o]:g}"
      + f"   (engine: {z.numpy()[0, o, i, j]:g})")
assert sum(per_channel) + b.numpy()[o] == z.numpy()[0, o, i, j]

fig, axes = plt.subplots(3, 4, figsize=(8, 6.4))
for c in range(3):
    heatmap(axes[c, 0], padded[c], f"x channel {c + 1} (padded)", symmetric=False,
            cmap="Greys")
    heatmap(axes[c, 1], w.numpy()[0, c], f"filter 1, slice {c + 1}")
    heatmap(axes[c, 2], w.numpy()[1, c], f"filter 2, slice {c + 1}")
    axes[c, 3].axis("off")
heatmap(axes[0, 3], z[0, 0], "output 1 (b=1)")
heatmap(axes[1, 3], z[0, 1], "output 2 (b=0)")
plt.tight_layout()

# %% [markdown]
# ## 3. Dilation: the receptive field *à trous*
#
# A dilated filter reads every $d$-th pixel: a 3×3 filter with dilation $d$ covers
# $(2d + 1)\times(2d + 1)$ pixels with only 9 weights. We let the engine say which pixels
# one output reads: the gradient of that output with respect to the input is non-zero
# exactly there.

# %%
fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.7))
for ax, d in zip(axes, (1, 2, 3)):
    inp = tg.zeros(1, 1, 9, 9, requires_grad=True)
    out = F.conv2d(inp, tg.ones(1, 1, 3, 3), dilation=d, padding=d)
    out[0, 0, 4, 4].backward()
    reads = inp.grad.numpy()[0, 0]
    assert reads.sum() == 9 and np.ptp(np.nonzero(reads)[0]) == 2 * d
    heatmap(ax, reads, f"dilation {d}: field {2 * d + 1}×{2 * d + 1}", symmetric=False,
            cmap="Blues", numbers=False)
plt.tight_layout()

# %% [markdown]
# ## 4. Max-pooling and average-pooling, 4×4 → 2×2
#
# $$\text{max: } a_{ij} = \max_{(u,v)\in \text{window}_{ij}} x_{uv} \qquad
#   \text{avg: } a_{ij} = \tfrac14 \sum_{(u,v)\in \text{window}_{ij}} x_{uv}$$

# %%
x = grid([[[[1, 3, 2, 1], [4, 6, 5, 0], [3, 1, 1, 2], [0, 2, 4, 8]]]])
mx, avg = F.max_pool2d(x, 2), F.avg_pool2d(x, 2)
windows = x.numpy()[0, 0].reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)
np.testing.assert_allclose(mx.numpy()[0, 0], windows.max(-1))
np.testing.assert_allclose(avg.numpy()[0, 0], windows.mean(-1))
fig, axes = plt.subplots(1, 3, figsize=(6.5, 2.4))
heatmap(axes[0], x, "x 4×4", symmetric=False, cmap="Greys")
heatmap(axes[1], mx, "max-pool 2×2", symmetric=False, cmap="Greens")
heatmap(axes[2], avg, "avg-pool 2×2", symmetric=False, cmap="Greens")
plt.tight_layout()

# %% [markdown]
# ## 5. Global average pooling
#
# Each channel's whole map becomes one number, $g_c = \frac{1}{HW}\sum_{u,v} x_{c,u,v}$:
# a $C\times H\times W$ volume becomes a vector of $C$ features, whatever $H, W$.

# %%
x = grid(rng.integers(0, 9, (1, 3, 4, 4)))
gap = F.adaptive_avg_pool2d(x, 1)
np.testing.assert_allclose(gap.numpy().ravel(), x.numpy()[0].mean(axis=(1, 2)))
fig, axes = plt.subplots(1, 4, figsize=(8.5, 2.3))
for c in range(3):
    heatmap(axes[c], x[0, c], f"channel {c + 1}", symmetric=False, cmap="Greys")
heatmap(axes[3], gap.reshape(3, 1), "GAP: 3 means", symmetric=False, cmap="Greens")
plt.tight_layout()

# %% [markdown]
# ## 6. Conv backprop: a full convolution with the 180°-flipped filter
#
# For $z = x \star w$ (stride 1, no padding), the input gradient is the **full**
# convolution (padding $k-1$) of the output gradient $\delta$ with the filter rotated by
# 180°: $$\frac{\partial L}{\partial x} = \delta \;\star_\text{full}\; \text{rot}_{180}(w).$$
# The same thing, seen from the other side: every output gradient $\delta_{ij}$ *scatters*
# $\delta_{ij}\, w$ back onto the patch it came from (`col2im` of $w^\top\delta$). Both are
# computed below and checked against the engine's `.grad`.

# %%
x = grid(rng.normal(size=(1, 1, 5, 5))).requires_grad_()
w = grid([[[[1, 2, 0], [0, -1, 1], [2, 0, -2]]]])
z = F.conv2d(x, w)
delta = grid(rng.integers(-2, 3, (1, 1, 3, 3)))   # small integers: readable sums
z.backward(delta)

full = F.conv2d(delta, grid(w.numpy()[:, :, ::-1, ::-1].copy()), padding=2)
scatter = col2im(w.numpy().reshape(9, 1) @ delta.numpy().reshape(1, 9), (1, 1, 5, 5), 3)
np.testing.assert_allclose(full.numpy(), x.grad.numpy(), rtol=1e-12)
np.testing.assert_allclose(scatter, x.grad.numpy(), rtol=1e-12)

fig, axes = plt.subplots(1, 5, figsize=(9.5, 2.4), gridspec_kw={"width_ratios": [3, 3, 5, 5, 5]})
heatmap(axes[0], delta, "δ = ∂L/∂z")
heatmap(axes[1], w.numpy()[0, 0, ::-1, ::-1], "w rotated 180°")
heatmap(axes[2], full, "full conv")
heatmap(axes[3], scatter, "scatter (col2im)")
heatmap(axes[4], x.grad, "engine: x.grad")
plt.tight_layout()

# %% [markdown]
# ## 7. Max-pool backprop: the gradient lands only on the winners
#
# $\partial L/\partial x_{uv} = \delta_{ij}$ if $x_{uv}$ is the maximum of window $ij$,
# else 0. The winners are outlined.

# %%
x = grid([[[[1, 3, 2, 1], [4, 6, 5, 0], [3, 1, 1, 2], [0, 2, 4, 8]]]]).requires_grad_()
pooled = F.max_pool2d(x, 2)
delta = grid([[[[0.5, -1.0], [2.0, 0.25]]]])
pooled.backward(delta)
winners = x.detach().numpy() == np.kron(pooled.detach().numpy(), np.ones((1, 1, 2, 2)))
np.testing.assert_allclose(x.grad.numpy(), np.kron(delta.numpy(), np.ones((2, 2))) * winners)
fig, axes = plt.subplots(1, 3, figsize=(6.5, 2.4))
heatmap(axes[0], x.detach(), "x (winners outlined)", symmetric=False, cmap="Greys",
        marks=winners)
heatmap(axes[1], delta, "δ from above")
heatmap(axes[2], x.grad, "x.grad: routed", marks=winners)
plt.tight_layout()

# %% [markdown]
# ## 8. The delta rule on a small dense net
#
# For a net $z^l = W^l a^{l-1} + b^l$, $a^l = \sigma(z^l)$ with loss
# $L = \tfrac12\lVert y - a^L\rVert^2$, backprop is
# $$\delta^L = (a^L - y)\odot\sigma'(z^L), \qquad
#   \delta^{L-1} = \left((W^L)^\top \delta^L\right)\odot\sigma'(z^{L-1}), \qquad
#   \frac{\partial L}{\partial W^l} = \delta^l\,(a^{l-1})^\top .$$
# The engine's gradients at $z^l$ (kept by `retain_all_grads`) are these δ.

# %%
tg.manual_seed(1)
layer1, layer2 = nn.Linear(3, 4).double(), nn.Linear(4, 2).double()
a0 = grid([[0.5, -1.0, 2.0]])
y = grid([[1.0, 0.0]])
z1 = layer1(a0); a1 = z1.sigmoid()
z2 = layer2(a1); a2 = z2.sigmoid()
loss = 0.5 * ((y - a2) ** 2).sum()
retain_all_grads(loss)
loss.backward()

sig_prime = lambda z: z.sigmoid().detach().numpy() * (1 - z.sigmoid().detach().numpy())
delta2 = (a2.detach().numpy() - y.numpy()) * sig_prime(z2)
delta1 = (delta2 @ layer2.weight.detach().numpy()) * sig_prime(z1)
np.testing.assert_allclose(z2.grad.numpy(), delta2, rtol=1e-12)
np.testing.assert_allclose(z1.grad.numpy(), delta1, rtol=1e-12)
np.testing.assert_allclose(layer1.weight.grad.numpy(), delta1.T @ a0.numpy(), rtol=1e-12)
print("δ² (formula) ", np.round(delta2, 5), "\nδ² (engine)  ", np.round(z2.grad.numpy(), 5))
print("δ¹ (formula) ", np.round(delta1, 5), "\nδ¹ (engine)  ", np.round(z1.grad.numpy(), 5))

# %% [markdown]
# ## 9. Sigmoid, tanh, ReLU and their derivatives
#
# $\sigma'(z) = \sigma(z)(1-\sigma(z)) \le \tfrac14$, $\tanh'(z) = 1 - \tanh^2 z \le 1$,
# $\text{relu}'(z) = [z > 0]$. The derivatives below are the engine's backward (`.grad`
# of $\sum f(z)$), drawn dashed over the formula.

# %%
fig, axes = plt.subplots(1, 3, figsize=(9, 2.6), sharey=True)
formulas = {"sigmoid": lambda s: s * (1 - s), "tanh": lambda t: 1 - t ** 2,
            "relu": lambda r: (r > 0).astype(float)}
for ax, (name, formula) in zip(axes, formulas.items()):
    zs = tg.tensor(np.linspace(-5, 5, 201)).requires_grad_()
    out = getattr(zs, name)()
    out.sum().backward()
    np.testing.assert_allclose(zs.grad.numpy(), formula(out.detach().numpy()), atol=1e-12)
    ax.plot(zs.detach().numpy(), out.detach().numpy(), lw=2, label=name)
    ax.plot(zs.detach().numpy(), zs.grad.numpy(), "--", lw=2, label=f"{name}′ (engine)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_title(name)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_ylim(-1.1, 1.6)
plt.tight_layout()

# %% [markdown]
# ## 10. The ResNet skip's "+1"
#
# A residual block computes $h = x + F(x)$, so $\partial h/\partial x = 1 + F'(x)$: the
# identity path hands the gradient back **unchanged**, however small $F'$ gets. Through 10
# sigmoid layers the gradient reaching the input shrinks by orders of magnitude; with a
# skip around each layer it does not. Below, the same layers, the engine's gradient at the
# input, then the gradient flow picture of one block: the `add` sends its gradient down
# both paths.

# %%
tg.manual_seed(0)
layers = [nn.Linear(8, 8).double() for _ in range(10)]
x0 = grid(rng.normal(size=(1, 8))).requires_grad_()
for skip in (False, True):
    h = x0
    for layer in layers:
        h = h + layer(h).sigmoid() if skip else layer(h).sigmoid()
    x0.grad = None
    h.sum().backward()
    print(f"{'with' if skip else 'without'} skips: ‖∂L/∂x‖ = "
          f"{np.linalg.norm(x0.grad.numpy()):.3g}")

# %%
block = nn.Linear(3, 3).double()
x = grid([[0.5, -1.0, 2.0]]).requires_grad_()
out = (x + block(x).sigmoid()).sum()
draw_gradient_flow(out, {"x": x, "block.weight": block.weight, "block.bias": block.bias})

# %% [markdown]
# ## 11. Batch norm forward and backward on a tiny batch
#
# Per channel, over the batch: $\hat x_i = (x_i - \mu)/\sqrt{\sigma^2 + \epsilon}$,
# $y_i = \gamma \hat x_i + \beta$. Backward (the batch statistics depend on every $x$):
# $$\frac{\partial L}{\partial x_i} = \frac{\gamma}{\sqrt{\sigma^2+\epsilon}}
#   \Big(g_i - \tfrac1m\textstyle\sum_j g_j - \hat x_i\, \tfrac1m \sum_j g_j \hat x_j\Big),
#   \qquad g = \partial L/\partial y .$$

# %%
x = grid([[1.0], [2.0], [4.0]]).requires_grad_()
bn = nn.BatchNorm1d(1).double()
bn.weight.data[:] = 2.0
y = bn(x)
g = grid([[1.0], [-1.0], [0.5]])
y.backward(g)
mu, var = x.detach().numpy().mean(), x.detach().numpy().var()
x_hat = (x.detach().numpy() - mu) / np.sqrt(var + 1e-5)
formula = 2.0 / np.sqrt(var + 1e-5) * (g.numpy() - g.numpy().mean()
                                       - x_hat * (g.numpy() * x_hat).mean())
np.testing.assert_allclose(y.detach().numpy(), 2.0 * x_hat, rtol=1e-12)
np.testing.assert_allclose(x.grad.numpy(), formula, rtol=1e-10)
print("x      ", x.detach().numpy().ravel(), "\nx̂      ", np.round(x_hat.ravel(), 4),
      "\ny      ", np.round(y.detach().numpy().ravel(), 4), "\n∂L/∂x  ",
      np.round(x.grad.numpy().ravel(), 4), "(formula:", np.round(formula.ravel(), 4), ")")

# %% [markdown]
# The same batch norm as a circuit: each output reads every element of the batch (the
# mean and variance are the batch's), and the red gradients on its wires add up to
# `x.grad` above.

# %%
x = grid([[1.0], [2.0], [4.0]]).requires_grad_()
bn = nn.BatchNorm1d(1).double()
bn.weight.data[:] = 2.0
g = grid([[1.0], [-1.0], [0.5]])   # L = Σ g·y, so ∂L/∂y = g as above
draw_circuit((bn(x) * g).sum(), names={"x": x, "γ": bn.weight, "β": bn.bias, "g": g})

# %% [markdown]
# ## 12. LeNet as feature-map volumes
#
# Each layer's output drawn as a box channels × height × width, measured on a real forward
# pass of the package's LeNet on an MNIST digit (conv 3×3 shrinks 28 → 26, max-pool halves).

# %%
from tinygrad_cnn.viz.examples import lenet_digit

loss, params, parts = lenet_digit(0)
model_shapes = feature_shapes(tg.models.build_model("lenet"), parts["image"])
draw_volumes(model_shapes);

# %% [markdown]
# ## 13. Where the gradient vanishes, over training
#
# The blog's figure: the magnitude of δ at each hidden layer of a 784-30-30-30-30-10
# network, in powers of ten, while it trains. Real runs here: MNIST, the first 10,000
# training images, 4 epochs, mini-batches of 10, SGD with learning rate 0.1, cross-entropy;
# ‖δ‖ per example at each hidden layer's pre-activation, averaged over quarters of an
# epoch (`viz.GradientNormMonitor`). Three networks, same seed and batches: sigmoid (the
# blog's), ReLU, and sigmoid with a skip connection around hidden layers 2-4.

# %%
import os
from tinygrad_cnn.viz.gradient_norms import plot_gradient_norms
from tinygrad_cnn.viz.vanishing import spread, vanishing_gradient_runs

quick = os.environ.get("TINYGRAD_CNN_NOTEBOOK_QUICK") == "1"  # the tests: a shorter run
runs = vanishing_gradient_runs(epochs=2 if quick else 4, train_size=2000 if quick else 10000,
                               points_per_epoch=4)
plot_gradient_norms(runs, points_per_epoch=4);
for name, run in runs.items():
    print(f"{name:15s} last / first hidden layer ‖δ‖: {spread(run):7.1f}×")

# %% [markdown]
# ## 14. Backprop step by step
#
# One frame per step of the engine's backward, in the order it really visits the tensors
# (recorded from the engine with temporary hooks): the node being processed outlined in
# orange, gradients known so far in red, the others not yet there. `frames` shows as a
# slider when ipywidgets is installed (`pip install tinygrad_cnn[widgets]`), as a strip
# of small frames otherwise; `.animation()` is the GIF (also `.write_gif(path)`,
# `.write_svgs(folder)`). First the blog's layer as a tensor graph:

# %%
from tinygrad_cnn.viz.examples import blog_tensors

blog_loss, blog_names = blog_tensors()
frames = backprop_frames(blog_loss, blog_names)
print(" → ".join(frames.names))
frames.animation(width=600)

# %% [markdown]
# The same backward on the scalar circuit (`view="circuit"`): at step 7 the engine runs
# `Conv2dBackward`, and every `*` and `+` of the four filter positions lights up at once,
# their input wires getting their gradients (the blocked position's are all 0).

# %%
blog_loss, blog_names = blog_tensors()
circuit_frames = backprop_frames(blog_loss, view="circuit", names=blog_names)
circuit_frames[6]

# %% [markdown]
# ## 15. A visual gradcheck
#
# Notebook 01's `BadSquare` claims $\partial(a^2)/\partial a = a$. Every op of the graph is
# checked alone against finite differences; the wrong one lights up red (hover for the
# numbers), every other op agrees to ~1e-10.

# %%
import inspect
from tinygrad_cnn.viz import examples

print(inspect.getsource(examples.BadSquare.backward))
# cross_entropy(BadSquare(tanh(x @ w)) + sigmoid(x.sum(1)), labels), every op checked
examples.wrong_square_gradcheck(show_tensors=True)

# %% [markdown]
# ## 16. One op of LeNet opened into its circuit
#
# LeNet on a real MNIST test digit (untrained weights, seed 0); the rest of the network
# one node per module; one output pixel of the first convolution — the one with the largest
# gradient — opened into its nine products and bias, with the engine's values and
# gradients. `open_op` also opens a max-pool window or a logit (`depth=2`).

# %%
steps = record_backward(loss)
grad_of = {id(s.tensor): s.grad for s in steps}
conv1 = parts["conv1"]
pixel = np.unravel_index(np.abs(grad_of[id(conv1)]).argmax(), conv1.shape)
open_op(loss, conv1, pixel, params, steps=steps)

# %%
open_op(loss, parts["logits"], (0, parts["label"]), params, steps=steps, depth=2, max_terms=7)

# %% [markdown]
# **Back to:** [01 — autograd basics](01_autograd_basics.ipynb).
