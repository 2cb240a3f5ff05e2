"""Benchmark sections, in run order; each is `run(ctx) -> list[Row]`."""
from . import coldstart, conv, lenet, machine, memory, mnist, models, overhead, pool

SECTIONS = {"machine": machine.run, "conv": conv.run, "pool": pool.run, "lenet": lenet.run,
            "mnist": mnist.run, "overhead": overhead.run, "coldstart": coldstart.run,
            "memory": memory.run, "models": models.run}
