"""Regenerate the pictures in notebooks/images/ (PNG and SVG of each view), shown in the README.

    python notebooks/make_pictures.py
"""
from __future__ import annotations

from pathlib import Path

from tinygrad_cnn.viz import examples

IMAGES = Path(__file__).resolve().parent / "images"

PICTURES = {
    "blog_circuit": examples.blog_circuit,
    "lenet_forward": examples.lenet_forward,
    "lenet_forward_collapsed": lambda: examples.lenet_forward(collapse_modules=True),
    "lenet_backward": examples.lenet_backward,
}


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name, make in PICTURES.items():
        graph = make()
        for fmt in ("png", "svg"):
            path = graph.render(outfile=str(IMAGES / f"{name}.{fmt}"), format=fmt, cleanup=True)
            print("wrote", path)


if __name__ == "__main__":
    main()
