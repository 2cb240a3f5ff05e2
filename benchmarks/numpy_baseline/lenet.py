"""The tutorial LeNet as explicit numpy forward/backward passes, trained with Adam."""
from __future__ import annotations

from typing import Dict

import numpy as np

from .conv import conv_backward, conv_forward
from .pool import max_pool_backward, max_pool_forward

Params = Dict[str, np.ndarray]


def _init_params(rng: np.random.Generator) -> Params:
    """Kaiming-uniform-like init (torch's default scale); the values do not affect speed."""
    shapes = {"w1": (32, 1, 3, 3), "b1": (32,), "w2": (64, 32, 3, 3), "b2": (64,),
              "w3": (128, 64 * 5 * 5), "b3": (128,), "w4": (10, 128), "b4": (10,)}
    fan_in = {"1": 9, "2": 32 * 9, "3": 64 * 25, "4": 128}
    return {name: (rng.uniform(-1, 1, shape) / np.sqrt(fan_in[name[1]])).astype(np.float32)
            for name, shape in shapes.items()}


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray):
    """Mean cross-entropy loss and its gradient with respect to the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(y)
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1
    return float(loss), dlogits / n


class Adam:
    """torch.optim.Adam's update (no weight decay), in place on a dict of arrays."""

    def __init__(self, params: Params, lr: float = 1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, grads: Params) -> None:
        self.t += 1
        b1, b2 = self.betas
        for k, g in grads.items():
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * g * g
            m_hat = self.m[k] / (1 - b1 ** self.t)
            v_hat = self.v[k] / (1 - b2 ** self.t)
            self.params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class NumpyLeNet:
    """conv32-relu-pool-conv64-relu-pool-dense128-relu-dropout-dense10 on 28x28 inputs."""

    def __init__(self, seed: int = 0, dropout: float = 0.5, lr: float = 1e-3) -> None:
        self.rng = np.random.default_rng(seed)
        self.params = _init_params(self.rng)
        self.dropout = dropout
        self.optimizer = Adam(self.params, lr)

    def train_step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One forward, backward and Adam update on a batch; returns the loss."""
        logits, caches = self._forward(x)
        loss, dlogits = softmax_cross_entropy(logits, y)
        self.optimizer.step(self._backward(dlogits, caches))
        return loss

    def _forward(self, x: np.ndarray):
        p = self.params
        h1, c1 = conv_forward(x, p["w1"], p["b1"])
        r1 = np.maximum(h1, 0)
        q1, s1 = max_pool_forward(r1)
        h2, c2 = conv_forward(q1, p["w2"], p["b2"])
        r2 = np.maximum(h2, 0)
        q2, s2 = max_pool_forward(r2)
        flat = q2.reshape(len(x), -1)
        r3 = np.maximum(flat @ p["w3"].T + p["b3"], 0)
        keep = (self.rng.random(r3.shape) >= self.dropout) / np.float32(1 - self.dropout)
        d3 = r3 * keep.astype(np.float32)
        logits = d3 @ p["w4"].T + p["b4"]
        return logits, (c1, r1, s1, c2, r2, s2, q2.shape, flat, r3, keep, d3)

    def _backward(self, dlogits: np.ndarray, caches) -> Params:
        c1, r1, s1, c2, r2, s2, q2_shape, flat, r3, keep, d3 = caches
        p, g = self.params, {}
        g["w4"], g["b4"] = dlogits.T @ d3, dlogits.sum(0)
        dr3 = (dlogits @ p["w4"]) * keep * (r3 > 0)
        g["w3"], g["b3"] = dr3.T @ flat, dr3.sum(0)
        dq2 = (dr3 @ p["w3"]).reshape(q2_shape)
        dh2 = max_pool_backward(dq2, s2) * (r2 > 0)
        dq1, g["w2"], g["b2"] = conv_backward(dh2, c2)
        dh1 = max_pool_backward(dq1, s1) * (r1 > 0)
        _, g["w1"], g["b1"] = conv_backward(dh1, c1)
        return {k: v.astype(np.float32, copy=False) for k, v in g.items()}
