"""`tinygrad-cnn demo`: forward/backward through a small CNN, loss and gradient norms."""
import re

import numpy as np

from tinygrad_cnn.cli.main import main


def test_demo_prints_a_plausible_loss_and_every_gradient(capsys):
    assert main(["demo", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    loss = float(re.search(r"loss = ([\d.]+)", out).group(1))
    assert abs(loss - np.log(10)) < 0.5  # an untrained 10-class net is near chance
    norms = dict(re.findall(r"\|grad (\S+)\s*\| = ([\d.]+)", out))
    assert set(norms) == {"conv.weight", "conv.bias", "fc.weight", "fc.bias"}
    assert all(float(v) > 0 for v in norms.values())


def test_demo_is_deterministic_per_seed(capsys):
    main(["demo", "--seed", "2"])
    first = capsys.readouterr().out
    main(["demo", "--seed", "2"])
    assert capsys.readouterr().out == first
