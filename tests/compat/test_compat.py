"""Each program in programs/ runs twice — with torch, then with tinygrad_cnn behind the
same import names (the only change a user makes) — and both must train to comparable
results. Every program runs unpatched: in-place SGD (`w -= lr * w.grad` under no_grad),
`.to(device)`, `view_as`, `argmax(axis=1)` and the rest behave as in PyTorch.
"""
import functools
import warnings

import pytest
import torch

from .harness import run_program


#: the four programs, each in the style of a real public one (see programs/)
PROGRAMS = ("cifar_tutorial", "lenet_textbook", "mnist_example", "nn_tutorial")


@functools.lru_cache(maxsize=None)
def torch_result(name):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the machine is shared: one thread is faster than fighting
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pin_memory without an accelerator
            return run_program(name, "torch")[0]
    finally:
        torch.set_num_threads(threads)


def check_training(result, reference):
    """The program trained: losses fell, accuracy is far above chance and close to torch's."""
    if "first_loss" in result:
        assert result["last_loss"] < 0.6 * result["first_loss"], result
    assert result["accuracy"] > 0.5, result
    assert result["accuracy"] > reference["accuracy"] - 0.15, (result, reference)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_trains_with_torch(name):
    check_training(torch_result(name), torch_result(name))


@pytest.mark.slow
@pytest.mark.parametrize("name", PROGRAMS)
def test_program_trains_with_tinygrad_cnn_behind_the_torch_name(name):
    result, _ = run_program(name, "tinygrad_cnn")
    reference = torch_result(name)
    check_training(result, reference)
    if name == "nn_tutorial":  # both hand-written loops must have trained
        for before, after in (result["scratch"], result["module"]):
            assert after < 0.6 * before, result
    if name == "cifar_tutorial":
        assert result["on_device"] == reference["on_device"] == (4, 10)
        assert result["worst_class"] > 0.2, result
