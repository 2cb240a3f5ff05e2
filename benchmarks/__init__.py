"""Benchmark suite: tinygrad_cnn against PyTorch CPU and a hand-written numpy engine.

Run `python -m benchmarks [--quick|--smoke]` (or `python benchmarks/run.py`); see `run.py`.
Kept import-light on purpose: the cold-start probe must not pay for anything here.
"""
