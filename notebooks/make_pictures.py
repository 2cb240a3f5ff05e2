"""Regenerate the pictures in notebooks/images/ (PNG and SVG of each view), shown in the README.

    python notebooks/make_pictures.py

Each picture lays itself out to read in a 900 px column (see `tinygrad_cnn.viz.picture`);
the sizes printed are the native PNG size and its size scaled to 900 px.
"""
from __future__ import annotations

from pathlib import Path

from tinygrad_cnn.viz import examples
from tinygrad_cnn.viz.picture import PAGE_PX, PX_PER_PT

IMAGES = Path(__file__).resolve().parent / "images"

PICTURES = {
    "blog_circuit": examples.blog_circuit,
    "lenet_forward": examples.lenet_forward,
    "lenet_forward_collapsed": lambda: examples.lenet_forward(collapse_modules=True),
    "lenet_backward": examples.lenet_backward,
    "resnet_block": examples.resnet_block,
    "deep_resnet": examples.deep_resnet,
    "deep_resnet_collapsed": lambda: examples.deep_resnet(collapse_depth=2),
}


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name, make in PICTURES.items():
        picture = make()
        for fmt in ("png", "svg"):
            picture.write(IMAGES / f"{name}.{fmt}")
        width, height = (v * PX_PER_PT for v in picture.size_pt())
        scale = min(1.0, PAGE_PX / width)
        print(f"{name}: {width:.0f}×{height:.0f} px, at {PAGE_PX} px wide "
              f"{width * scale:.0f}×{height * scale:.0f} px (scale {scale:.2f})")


if __name__ == "__main__":
    main()
