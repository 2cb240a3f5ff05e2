# %% [markdown]
# # 3. Backprop through one CNN layer, number by number
#
# One convolution layer, small enough to follow every number, in the CNN blog's setting:
#
# - the top-left 3×3 corner $x_{11}\dots x_{33}$ of a greyscale image and a 2×2 filter
#   $w_{11}\dots w_{22}$ with bias $b = 0$: the convolution gives a 2×2 map
#   $z_{11}, z_{12}, z_{21}, z_{22}$ (4 filter positions, in row-major order). With
#   $x_{11} = 1$ and $w_{11} = -1$ (and dark pixels next to it), $z_{11} = -1$;
# - ReLU (which blocks $z_{11}$: $\text{relu}'(z) = 0$ for $z \le 0$), then 2×2
#   max-pooling down to a single value $a$,
# - the lecture's loss $L = \tfrac12 \sum (y - a)^2$ against a target $y = 1$.
#
# We draw it as a *circuit* of scalar `*`, `+`, `relu`, `max` gates: on every wire the
# forward value in **black** and the gradient $\partial L/\partial(\text{wire})$ in
# **red**. All numbers are the engine's own — then we read the same gradients from
# `.grad` and check them by hand.

# %%
import numpy as np
import tinygrad_cnn as tg
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.viz import draw_circuit, draw_graph, retain_all_grads

# %%
x = tg.tensor([[1.0, 0.0, 0.5],
               [0.0, 0.0, 1.0],
               [1.0, 0.5, 0.0]]).reshape(1, 1, 3, 3).requires_grad_()
w = tg.tensor([[-1.0, 0.5],
               [0.5, 1.0]]).reshape(1, 1, 2, 2).requires_grad_()
b = tg.tensor([0.0], requires_grad=True)
y = tg.tensor(1.0).reshape(1, 1, 1, 1)

conv = F.conv2d(x, w, b)          # (1, 1, 2, 2): z11 = -1
act = F.relu(conv)
p = F.max_pool2d(act, 2)          # (1, 1, 1, 1): a
loss = 0.5 * ((y - p) ** 2).sum()

retain_all_grads(loss)            # keep .grad on conv, act and p too
loss.backward()
print("conv =", conv.detach().numpy().ravel(), " relu =", act.detach().numpy().ravel(),
      " a =", p.item(), " loss =", round(loss.item(), 4))

# %% [markdown]
# ## The circuit
#
# Read it left to right for the forward pass, right to left for the gradients. Each
# blue box is one filter position (top to bottom: $z_{11}, z_{12}, z_{21}, z_{22}$):
# four products $x_{ij}\,w_{kl}$ and the bias summed. A filter weight is used at all
# four positions (and a pixel by every position that covers it), so it is drawn once per
# use: each copy's wire carries that use's share of the gradient, and the node shows the
# total $\nabla$, the sum of the shares. The dashed wire is $z_{11} = -1$ blocked by
# ReLU; the bold wire into `max` is the winner, the only position that receives a
# gradient (the dotted losers get 0).

# %%
draw_circuit(loss, names={"x": x, "w": w, "b": b, "y": y})

# %% [markdown]
# ## The same gradients, from `.grad`

# %%
np.set_printoptions(precision=4, suppress=True)
for name, t in [("dL/da", p), ("dL/drelu", act), ("dL/dconv", conv),
                ("dL/dw", w), ("dL/db", b), ("dL/dx", x)]:
    print(f"{name} =\n{np.atleast_1d(t.grad.detach().numpy().squeeze())}")

# %% [markdown]
# ## Checking them by hand
#
# Going backwards through the layer:
#
# 1. $\partial L/\partial a = a - y$ (the ½ cancels the 2 of the square).
# 2. Max-pool sends that to the winning position only; the others get 0.
# 3. ReLU passes the gradient where its input was positive.
# 4. Convolution: output pixel $o_{ij} = b + \sum_{kl} w_{kl}\,x_{i+k,\,j+l}$, so
#    $\partial L/\partial w_{kl} = \sum_{ij} g_{ij}\,x_{i+k,\,j+l}$ (the filter's
#    gradient is the input convolved with the output gradient $g$),
#    $\partial L/\partial b = \sum_{ij} g_{ij}$, and each $g_{ij}$ flows back to the
#    pixels of its patch, weighted by $w$.

# %%
xv, wv, bv = x.detach().numpy()[0, 0], w.detach().numpy()[0, 0], b.detach().numpy()[0]
o = np.array([[(xv[i:i + 2, j:j + 2] * wv).sum() + bv for j in range(2)] for i in range(2)])
r = np.maximum(o, 0)
pv = r.max()

g_p = pv - 1.0                                         # step 1
g_r = np.zeros_like(r)
g_r[np.unravel_index(r.argmax(), r.shape)] = g_p       # step 2
g_o = g_r * (o > 0)                                    # step 3
g_w = sum(g_o[i, j] * xv[i:i + 2, j:j + 2] for i in range(2) for j in range(2))  # step 4
g_b = g_o.sum()
g_x = np.zeros_like(xv)
for i in range(2):
    for j in range(2):
        g_x[i:i + 2, j:j + 2] += g_o[i, j] * wv

for name, mine, engine in [("w", g_w, w.grad), ("b", g_b, b.grad), ("x", g_x, x.grad)]:
    print(f"dL/d{name} by hand matches .grad: {np.allclose(mine, engine.detach().numpy().squeeze(), atol=1e-6)}")

# %% [markdown]
# ## The tensor-level view
#
# The same computation as the engine records it, op by op, with every value and
# gradient written out (tensors of at most 8 elements; bigger ones show
# `min · mean · max`, and hovering a node shows its full statistics):

# %%
draw_graph(loss, params={"x": x, "w": w, "b": b})

# %% [markdown]
# The circuit picture is also one call away: `tinygrad_cnn.viz.examples.blog_circuit()`
# (the README shows it; `python notebooks/make_pictures.py` renders it to files).
#
# **Next:** [04 — train a CNN on MNIST](04_train_cnn_mnist.ipynb).
