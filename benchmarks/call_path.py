"""Which library files and functions one `F.conv2d` forward passes through.

`python -m benchmarks.call_path` traces one warm forward per conv route with
`sys.setprofile` and prints, per shape: its route and batch parts, the library functions
called, the files they live in, how often the call path switches file, and the deepest
chain of library files on the stack (the path a reader follows from F.conv2d down to a
kernel). `-v` also lists the files and the deepest chain. Only the calling thread is
traced: a conv split into parts runs the other parts on the runtime's worker threads.
"""
from __future__ import annotations

import os
import sys

import numpy as np

#: (x shape, w shape, conv2d kwargs): one shape per route of kernels/conv.py
SHAPES = {
    "tiny (one part)": ((10, 1, 9, 9), (5, 1, 3, 3), {"padding": 1}),
    "LeNet conv1": ((64, 1, 28, 28), (6, 1, 5, 5), {}),
    "LeNet conv2": ((64, 6, 12, 12), (16, 6, 5, 5), {}),
    "pointwise": ((32, 16, 32, 32), (32, 16, 1, 1), {"stride": 2}),
    "direct": ((16, 8, 20, 20), (8, 8, 5, 5), {}),
    "blocked": ((8, 64, 56, 56), (64, 64, 3, 3), {"padding": 1}),
    "im2col grouped": ((32, 16, 32, 32), (32, 8, 3, 3), {"stride": 2, "padding": 1, "groups": 2}),
}


def _stack(frame, root: str) -> list:
    """The library files on the call stack of `frame`, outermost first, each run of
    frames in one file counted once."""
    files = []
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(root):
            rel = os.path.relpath(name, root)
            if not files or files[-1] != rel:
                files.append(rel)
        frame = frame.f_back
    return files[::-1]


def trace(fn) -> tuple:
    """([(file, function)] of every library Python call made by fn(), in order; the
    deepest chain of library files on the stack)."""
    root = os.path.dirname(__import__("tinygrad_cnn").__file__)
    calls = []
    deepest: list = []

    def profile(frame, event, arg):
        nonlocal deepest
        if event == "call" and frame.f_code.co_filename.startswith(root):
            calls.append((os.path.relpath(frame.f_code.co_filename, root),
                          frame.f_code.co_name))
            stack = _stack(frame, root)
            if len(stack) > len(deepest):
                deepest = stack

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls, deepest


def summary(calls: list) -> dict:
    files = [f for f, _ in calls]
    switches = sum(a != b for a, b in zip(files, files[1:]))
    entries = [b for a, b in zip([None] + files, files) if a != b]  # each arrival in a file
    return {"calls": len(calls), "functions": len(set(calls)), "files": len(set(files)),
            "switches": switches, "entries": {f: entries.count(f) for f in sorted(set(files))}}


def _route_and_parts(xs: tuple, ws: tuple, kwargs: dict) -> str:
    from tinygrad_cnn.kernels import conv, runtime
    from tinygrad_cnn.kernels.geometry import ConvGeometry, pad4, pair
    geo = ConvGeometry(xs, ws, pair(kwargs.get("stride", 1), "stride"),
                       pad4(kwargs.get("padding", 0)), (1, 1), 1)
    return f"{conv.route_name(xs, ws, **kwargs)}, {len(runtime.batch_parts(geo.n, geo.flops))}"


def main() -> None:
    from tinygrad_cnn import Tensor
    from tinygrad_cnn.nn import functional as F

    for name, (xs, ws, kwargs) in SHAPES.items():
        x = Tensor(np.random.rand(*xs).astype(np.float32), requires_grad=True)
        w = Tensor(np.random.rand(*ws).astype(np.float32), requires_grad=True)
        F.conv2d(x, w, **kwargs)  # warm: compile and fill the buffer pool
        calls, deepest = trace(lambda: F.conv2d(x, w, **kwargs))
        s = summary(calls)
        print(f"{name:16s} ({_route_and_parts(xs, ws, kwargs)} part(s))  calls {s['calls']:3d}  "
              f"functions {s['functions']:3d}  files {s['files']:2d}  file switches "
              f"{s['switches']:3d}  deepest stack {len(deepest)} file runs in "
              f"{len(set(deepest))} files")
        if "-v" in sys.argv:
            print("   ", sorted({f for f, _ in calls}))
            print("    deepest:", " > ".join(deepest))
            print("    arrivals per file:", s["entries"])


if __name__ == "__main__":
    main()
