"""One system training one real network, in a fresh interpreter: the model benchmark's probe.

    python -m benchmarks.model_probe NETWORK SYSTEM JSON-OPTIONS    (prints one JSON object)

Only the standard library is imported before the clock starts, so `import_s` and
`first_step_s` are what a user waits for. Options: `parts` (any of "step", "infer",
"layers", "epoch"), `data_dir`, `min_seconds`, `repeats`, `epoch_steps`, `threads`.
"""
from __future__ import annotations

import json
import statistics
import sys
import time

START = time.perf_counter()


def _import(system: str):
    if system == "ours":
        import tinygrad_cnn as lib
        from tinygrad_cnn import nn, optim
        from tinygrad_cnn.nn import functional as F
        return lib, nn, optim, F
    import torch as lib
    return lib, lib.nn, lib.optim, lib.nn.functional


def _idx(path):
    import gzip

    import numpy as np
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def _mnist(data_dir: str):
    """Normalised MNIST training images (N,1,28,28) float32 and int64 labels, or None."""
    from pathlib import Path

    import numpy as np
    root = Path(data_dir)
    images, labels = root / "train-images-idx3-ubyte.gz", root / "train-labels-idx1-ubyte.gz"
    if not (images.exists() and labels.exists()):
        return None
    x = (_idx(images).astype(np.float32) / 255 - 0.1307) / 0.3081
    return x[:, None], _idx(labels).astype(np.int64)


def _batches(net, options: dict, count: int, batch: int):
    """`count` distinct (x, y) batches: real MNIST when the network reads it, else random."""
    import numpy as np
    rng = np.random.default_rng(0)
    data = _mnist(options["data_dir"]) if net.data == "mnist" else None
    out = []
    for _ in range(count):
        if data is not None:
            idx = rng.integers(0, len(data[0]), batch)
            out.append((data[0][idx], data[1][idx]))
        else:
            out.append((rng.standard_normal((batch, *net.input_shape), dtype=np.float32),
                        rng.integers(0, 10, batch)))
    return out, data is not None


def _median_time(fn, options: dict, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    samples, spent = [], 0.0
    while len(samples) < options["repeats"] or (spent < options["min_seconds"]
                                                and len(samples) < 200):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
        spent += samples[-1]
    return statistics.median(samples)


class Trainer:
    """A network, its Adam optimizer and a cycle of batches, for either library."""

    def __init__(self, name: str, system: str, options: dict) -> None:
        from benchmarks.networks import NETWORKS, build
        self.lib, self.nn, self.optim, self.F = _import(system)
        self.imported = time.perf_counter()
        self.lib.manual_seed(0)
        self.net = NETWORKS[name]
        self.model = build(name, self.nn)
        self.optimizer = self.optim.Adam(self.model.parameters(), lr=1e-3)
        loading = time.perf_counter()
        batches, self.real = _batches(self.net, options, 4, self.net.batch)
        self.data_s = time.perf_counter() - loading  # reading the IDX files: not ours
        self.batches = [(self.lib.from_numpy(x.copy()), self.lib.from_numpy(y.copy()))
                        for x, y in batches]
        self.calls = 0

    def step(self):
        x, y = self.batches[self.calls % len(self.batches)]
        self.calls += 1
        self.optimizer.zero_grad()
        loss = self.F.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss


def _inference(t: Trainer, options: dict) -> float:
    from benchmarks.networks import INFERENCE_BATCH
    batches, _ = _batches(t.net, options, 2, INFERENCE_BATCH)
    xs = [t.lib.from_numpy(x.copy()) for x, _ in batches]
    t.model.eval()
    calls = iter(range(10 ** 9))

    def infer():
        with t.lib.no_grad():
            return t.model(xs[next(calls) % 2])
    seconds = _median_time(infer, options)
    t.model.train()
    return seconds


def _layers(t: Trainer, options: dict) -> list:
    """Per top-level layer: (name, forward s, backward s), each layer run on its own input."""
    import numpy as np
    x = t.batches[0][0]
    rows = []
    for name, layer in t.model.named_children():
        with t.lib.no_grad():
            out = layer(x)
        inp = x.detach().clone().requires_grad_(True)
        grad = t.lib.from_numpy(np.ones(tuple(out.shape), np.float32))
        params = list(layer.parameters())

        def forward():
            return layer(inp)

        def forward_backward():
            inp.grad = None
            for p in params:
                p.grad = None
            layer(inp).backward(grad)
        fwd = _median_time(forward, options)
        both = _median_time(forward_backward, options)
        rows.append((name, fwd, max(both - fwd, 0.0)))
        x = out
    return rows


def _epoch(t: Trainer, options: dict) -> dict:
    """A plain user loop over shuffled real MNIST: fancy-indexed batches wrapped as tensors,
    loss.item() every step. Times the first step apart from the rest."""
    import numpy as np
    data = _mnist(options["data_dir"])
    if data is None:
        return {}
    x, y = data
    order = np.random.default_rng(1).permutation(len(x))
    batch, steps = t.net.batch, options["epoch_steps"]
    full = -(-len(x) // batch)
    steps = min(steps or full, full)
    make = t.lib.tensor
    times = []
    for i in range(steps):
        idx = order[i * batch:(i + 1) * batch]
        start = time.perf_counter()
        xb, yb = make(x[idx]), make(y[idx])
        t.optimizer.zero_grad()
        loss = t.F.cross_entropy(t.model(xb), yb)
        loss.backward()
        t.optimizer.step()
        loss.item()
        times.append(time.perf_counter() - start)
    rest = sum(times[1:]) / max(len(times) - 1, 1)
    return {"epoch_s": times[0] + rest * (full - 1), "epoch_first_step_s": times[0],
            "epoch_steps_timed": steps, "epoch_steps_full": full}


def run(name: str, system: str, options: dict) -> dict:
    parts = options["parts"]
    t = Trainer(name, system, options)
    if system == "torch":
        t.lib.set_num_threads(options["threads"])
    built = time.perf_counter()
    result = {"import_s": t.imported - START, "build_s": built - t.imported - t.data_s,
              "data_s": t.data_s, "real_data": t.real}
    if "epoch" in parts:
        result.update(_epoch(t, options))
        return result
    t.step()
    result["first_step_s"] = time.perf_counter() - built
    result["done_at"] = time.time()
    if "step" in parts:
        result["step_s"] = _median_time(t.step, options)
    if "infer" in parts:
        result["infer_s"] = _inference(t, options)
    if "layers" in parts:
        result["layers"] = _layers(t, options)
    return result


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))))
