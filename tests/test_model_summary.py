"""nn.summary: LeNet's per-layer shapes, parameters and multiply-adds against a hand count
and against torch's FLOP counter."""
import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn.models import LeNet, SmallCNN

# LeNet on 28x28 by hand: conv 3x3 (no padding) shrinks by 2, max-pool 2 halves (floor);
# params = weights + biases; mult-adds = output elements x weights per output channel
LENET_BY_HAND = [  # (name, type, output shape, params, mult-adds)
    ("", "LeNet", (1, 10), 0, 0),
    ("features", "Sequential", (1, 64, 5, 5), 0, 0),
    ("features.0", "Conv2d", (1, 32, 26, 26), 32 * 1 * 9 + 32, 32 * 26 * 26 * (1 * 9)),
    ("features.1", "ReLU", (1, 32, 26, 26), 0, 0),
    ("features.2", "MaxPool2d", (1, 32, 13, 13), 0, 0),
    ("features.3", "Conv2d", (1, 64, 11, 11), 64 * 32 * 9 + 64, 64 * 11 * 11 * (32 * 9)),
    ("features.4", "ReLU", (1, 64, 11, 11), 0, 0),
    ("features.5", "MaxPool2d", (1, 64, 5, 5), 0, 0),
    ("classifier", "Sequential", (1, 10), 0, 0),
    ("classifier.0", "Flatten", (1, 1600), 0, 0),
    ("classifier.1", "Linear", (1, 128), 1600 * 128 + 128, 1600 * 128),
    ("classifier.2", "ReLU", (1, 128), 0, 0),
    ("classifier.3", "Dropout", (1, 128), 0, 0),
    ("classifier.4", "Linear", (1, 10), 128 * 10 + 10, 128 * 10),
]


def test_lenet_summary_matches_a_hand_count():
    s = nn.summary(LeNet(), (1, 1, 28, 28))
    got = [(r.name, r.type, r.output_shape, r.params, r.mult_adds) for r in s.rows]
    assert got == LENET_BY_HAND
    assert s.total_params == s.trainable_params == 225_034 == LeNet().num_parameters()
    assert s.total_mult_adds == 194_688 + 2_230_272 + 204_800 + 1_280 == 2_631_040
    assert [r.depth for r in s.rows[:3]] == [0, 1, 2]


def test_summary_table_lines():
    text = str(LeNet().summary((1, 1, 28, 28)))
    lines = text.splitlines()
    assert lines[0].split() == ["Layer", "(type)", "Output", "shape", "Params", "Mult-adds"]
    assert lines[4].split() == ["0:", "Conv2d", "[1,", "32,", "26,", "26]", "320", "194,688"]
    assert "Params: 225,034 (trainable 225,034, non-trainable 0)" in text
    assert "Mult-adds per forward pass: 2,631,040 (2.63 M)" in text


@pytest.mark.parametrize("batch,size", [(1, 28), (3, 8)])
def test_mult_adds_match_torch_flop_counter(batch, size):
    ours = LeNet(image_size=size)
    padding = 0 if size >= 16 else 1
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3, padding=padding), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=padding), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(ours.classifier[1].in_features, 128),
        torch.nn.ReLU(), torch.nn.Linear(128, 10))
    with FlopCounterMode(display=False) as counter:
        theirs(torch.zeros(batch, 1, size, size))
    summary = nn.summary(ours, (batch, 1, size, size))
    assert 2 * summary.total_mult_adds == counter.get_total_flops()
    assert summary.total_params == sum(p.numel() for p in theirs.parameters())


def test_summary_leaves_mode_and_random_stream_alone():
    model = LeNet()
    tg.manual_seed(0)
    nn.summary(model, (2, 1, 28, 28))   # dropout would draw in training mode
    after = tg.rand(3)._data
    tg.manual_seed(0)
    assert model.training and np.array_equal(after, tg.rand(3)._data)


def test_non_trainable_and_repeated_modules():
    relu = nn.ReLU()
    model = nn.Sequential(nn.Linear(4, 4), relu, nn.Linear(4, 2), relu)
    model[0].weight.requires_grad_(False)
    s = nn.summary(model, (5, 4))
    assert s.total_params == 30 and s.trainable_params == 14
    assert [r.name for r in s.rows] == ["", "0", "1", "2"]   # a shared module is one row
    assert s.rows[2].output_shape == (5, 2)                  # its last call
    assert s.total_mult_adds == 5 * 4 * 4 + 5 * 2 * 4
    assert "non-trainable 16" in str(s)
    small = SmallCNN().summary((1, 1, 8, 8))   # header, rule, a line per module, 4 footer
    assert len(str(small).splitlines()) == 2 + len(small.rows) + 4 == 14
