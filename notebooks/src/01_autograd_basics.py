# %% [markdown]
# # 1. Autograd basics: tensors, the graph, backward
#
# A neural network is trained by nudging its parameters against the gradient of a loss.
# *Autograd* computes those gradients for us: every operation on a `Tensor` is recorded
# as a node in a graph (a DAG), and `backward()` walks that graph in reverse, applying
# the chain rule one op at a time.
#
# This notebook builds a tiny computation, looks at the graph it records, runs backward,
# draws the gradient flow, and checks the result against finite differences.

# %%
import numpy as np
import tinygrad_cnn as tg
from tinygrad_cnn import Tensor
from tinygrad_cnn.viz import draw_graph, draw_backward

# %% [markdown]
# ## Tensors
#
# A `Tensor` wraps a numpy array (`.data` *is* that array). The API follows PyTorch:
# `tg.tensor`, `tg.randn`, `tg.zeros`, ...; float32 by default; `requires_grad=True`
# marks the tensors we want gradients for.

# %%
a = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
print(a, a.shape, a.dtype)
print(type(a.numpy()))       # the numpy array itself (shared, not copied)
print(a @ a)                 # the usual operators work

# %% [markdown]
# ## A computation records a graph
#
# Take $f(x, w, b) = \sum \mathrm{relu}(w \cdot x + b)^2$ with three leaves. Every
# result remembers the op that made it (`grad_fn`) and that op remembers its inputs,
# so the final tensor is the root of a DAG that reaches back to the leaves.

# %%
x = tg.tensor([1.0, -2.0, 3.0])
w = tg.tensor([0.5, -1.0, -0.5], requires_grad=True)
b = tg.tensor(0.5, requires_grad=True)

z = w * x + b              # elementwise
h = z.relu()
loss = (h ** 2).sum()
print(z, h, loss, sep="\n")
print("loss.grad_fn =", loss.grad_fn, "| leaves have none:", w.grad_fn)

# %% [markdown]
# `draw_graph` draws that DAG, inputs on the left: rounded boxes are ops, ellipses are
# tensors (the named leaves in yellow, intermediate results in white, each with its
# shape). The constant `2` of `** 2` is folded into its op's label.

# %%
draw_graph(loss, params={"x": x, "w": w, "b": b})

# %% [markdown]
# ## backward()
#
# `loss.backward()` seeds $\partial L/\partial L = 1$ at the root and visits the ops in
# reverse topological order; each op multiplies the incoming gradient by its local
# derivative and passes it to its inputs. Gradients of the leaves accumulate in `.grad`.
#
# By hand: $L = \sum_i \mathrm{relu}(z_i)^2$, so $\partial L/\partial w_i = 2\,\mathrm{relu}(z_i)\,[z_i>0]\,x_i$
# and $\partial L/\partial b = \sum_i 2\,\mathrm{relu}(z_i)\,[z_i>0]$.

# %%
loss.backward()
print("w.grad =", w.grad)
print("b.grad =", b.grad)

zz = w.detach().numpy() * x.detach().numpy() + b.detach().numpy()
by_hand_w = 2 * np.maximum(zz, 0) * (zz > 0) * x.detach().numpy()
by_hand_b = (2 * np.maximum(zz, 0) * (zz > 0)).sum()
print("by hand:", by_hand_w, by_hand_b)

# %% [markdown]
# `draw_backward` shows the same graph from the engine's side: the order in which the
# backward nodes run (1 is the root; `AccumulateGrad` writes a leaf's `.grad`), and a
# red `∇` of each gradient that was kept (every value of a tensor with at most 8 elements, else `min · mean · max`; hover a node for its statistics). Intermediate gradients are freed as soon as they are used,
# unless you ask for them with `retain_grad()` — which is what we do here, so that
# every step shows its gradient.

# %%
z = w * x + b
h = z.relu()
loss = (h ** 2).sum()
for t in (z, h, loss):
    t.retain_grad()
w.grad = b.grad = None      # gradients accumulate: clear them before a new backward
loss.backward()
print("dL/dh =", h.grad, " dL/dz =", z.grad)
draw_backward(loss, params={"x": x, "w": w, "b": b})

# %% [markdown]
# Note the relu: where $z < 0$ (the third element) it lets no gradient through, so
# $w_3$ gets none.

# %% [markdown]
# ## Turning the graph off: `no_grad`
#
# Evaluation does not need a graph. Inside `tg.no_grad()` nothing is recorded, which
# saves memory and time.

# %%
with tg.no_grad():
    y = (w * x + b).relu()
print(y.requires_grad, y.grad_fn)

# %% [markdown]
# ## Checking gradients: `gradcheck`
#
# How do we know an op's backward is right? Compare it with central finite
# differences $\frac{f(x+\varepsilon) - f(x-\varepsilon)}{2\varepsilon}$, element by
# element. `tg.gradcheck(fn, inputs)` does exactly that for every input with
# `requires_grad` (use float64: float32 differences are too noisy).

# %%
tg.manual_seed(0)
xs = tg.randn(2, 3, dtype=tg.float64, requires_grad=True)
ws = tg.randn(3, 4, dtype=tg.float64, requires_grad=True)
print(tg.gradcheck(lambda a, b: (a @ b).tanh().sum(), (xs, ws)))

# %% [markdown]
# A wrong gradient is caught. Ops are `tg.Function` subclasses whose `forward` and
# `backward` work on plain numpy arrays; here is a "square" whose backward forgets the
# factor 2:

# %%
class BadSquare(tg.Function):
    def forward(self, a):
        self.save_for_backward(a)
        return a * a

    def backward(self, grad):
        (a,) = self.saved_tensors
        return grad * a               # should be 2 * a * grad


try:
    tg.gradcheck(lambda t: BadSquare.apply(t), (xs,))
except tg.GradcheckError as err:
    print("GradcheckError:", err)

# %% [markdown]
# **Next:** [02 — convolution and im2col](02_convolution_and_im2col.ipynb).
