"""Regenerate the pictures in notebooks/images/ (PNG and SVG of each view, the backprop
GIF and the vanishing-gradient plot), shown in the README.

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
    "gradient_flow": examples.sigmoid_mlp_flow,
    "gradcheck": examples.wrong_square_gradcheck,
    "lenet_pixel_opened": examples.lenet_pixel_opened,
    "tiny_classifier_circuit": examples.tiny_classifier_circuit,
}
#: pictures kept as SVG only: the whole 208-op ResNet is there to show a graph too big to
#: read, and as a PNG (2852x28981 px) it would weigh 4.8 MB in the repository
SVG_ONLY = {"deep_resnet"}


def backprop_gif() -> None:
    """The blog layer's backward, step by step (tensor graph), as an animated GIF."""
    from tinygrad_cnn.viz import backprop_frames

    loss, names = examples.blog_tensors()
    backprop_frames(loss, names).write_gif(IMAGES / "backprop_frames.gif", width=600)
    print("backprop_frames.gif: 600 px wide")


def vanishing_plot() -> None:
    """The blog's vanishing-gradient figure from real runs (MNIST, see viz.vanishing)."""
    import matplotlib

    matplotlib.use("Agg")
    from tinygrad_cnn.viz.gradient_norms import plot_gradient_norms
    from tinygrad_cnn.viz.vanishing import spread, vanishing_gradient_runs

    runs = vanishing_gradient_runs(epochs=4, train_size=10000, points_per_epoch=4)
    fig = plot_gradient_norms(runs, points_per_epoch=4)
    fig.savefig(IMAGES / "vanishing_gradients.png", dpi=100)
    print("vanishing_gradients.png:",
          ", ".join(f"{name} last/first {spread(run):.1f}x" for name, run in runs.items()))


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name, make in PICTURES.items():
        picture = make()
        for fmt in ("svg",) if name in SVG_ONLY else ("png", "svg"):
            picture.write(IMAGES / f"{name}.{fmt}")
        width, height = (v * PX_PER_PT for v in picture.size_pt())
        scale = min(1.0, PAGE_PX / width)
        print(f"{name}: {width:.0f}×{height:.0f} px, at {PAGE_PX} px wide "
              f"{width * scale:.0f}×{height * scale:.0f} px (scale {scale:.2f})")
    backprop_gif()
    vanishing_plot()


if __name__ == "__main__":
    main()
