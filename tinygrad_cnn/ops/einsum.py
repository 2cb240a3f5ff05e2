"""einsum (and bmm): a sum of products named by index letters, with its gradient: for each
operand, the einsum of the output gradient with the other operands."""
from __future__ import annotations

from typing import Any, List, Tuple

import numpy as np

from ..autograd.function import Function


class Einsum(Function):
    category = "matmul"

    def forward(self, *arrays, inputs=(), output=""):
        self.arrays, self.inputs, self.output = arrays, inputs, output
        return np.asarray(np.einsum(f"{','.join(inputs)}->{output}", *arrays))

    def backward(self, g):
        return tuple(self._grad(i, g) if need else None
                     for i, need in enumerate(self.needs_input_grad))

    def _grad(self, i: int, g: np.ndarray) -> np.ndarray:
        target = self.inputs[i]
        others = [(s, a) for j, (s, a) in enumerate(zip(self.inputs, self.arrays)) if j != i]
        known = set(self.output).union(*[set(s) for s, _ in others])
        kept = "".join(c for c in dict.fromkeys(target) if c in known)
        spec = ",".join([self.output] + [s for s, _ in others]) + "->" + kept
        part = np.einsum(spec, g, *[a for _, a in others])
        # letters only this operand has were summed away: the gradient is constant on them
        shape = self.arrays[i].shape
        sizes = dict(zip(target, shape))
        full = np.broadcast_to(part.reshape([sizes[c] if c in kept else 1 for c in target]),
                               shape)
        return np.ascontiguousarray(full)


def _parse(equation: str, operands: List[Any]) -> Tuple[Tuple[str, ...], str]:
    equation = equation.replace(" ", "")
    if "." in equation:
        raise NotImplementedError("einsum: ellipsis ('...') is not supported; name every "
                                  "dimension with a letter")
    lhs, arrow, out = equation.partition("->")
    inputs = tuple(lhs.split(","))
    if len(inputs) != len(operands):
        raise RuntimeError(f"einsum(): {len(inputs)} operands in the equation, "
                           f"{len(operands)} given")
    for s, t in zip(inputs, operands):
        if len(s) != t.ndim:
            raise RuntimeError(f"einsum(): the subscript '{s}' has {len(s)} letters for an "
                               f"operand of shape {t.shape}")
        if len(set(s)) != len(s):
            raise NotImplementedError(f"einsum: a letter repeated within one operand ('{s}', "
                                      "a diagonal) is not supported")
    if not arrow:
        letters = "".join(inputs)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return inputs, out


def einsum(equation: str, *operands: Any) -> Any:
    """Einstein summation, as torch.einsum (no '...' and no diagonals).

    >>> from tinygrad_cnn import Tensor
    >>> einsum("ij,jk->ik", Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]]))
    tensor([[11.]])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, out = _parse(equation, list(operands))
    dtype = np.result_type(*[t.dtype for t in operands])
    return Einsum.apply(*[t.type(dtype) for t in operands], inputs=inputs, output=out)


def bmm(input: Any, mat2: Any) -> Any:
    """Batched matrix product of (b, n, m) and (b, m, p) tensors.

    >>> from tinygrad_cnn import ones
    >>> bmm(ones(2, 3, 4), ones(2, 4, 5)).shape
    (2, 3, 5)
    """
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (got shapes {input.shape} and "
                           f"{mat2.shape})")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: "
                           f"[{mat2.shape[0]}, {mat2.shape[1]}].")
    return input.matmul(mat2)
