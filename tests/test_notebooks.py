"""The notebooks in notebooks/ run top to bottom without error, and their committed cells
are the ones notebooks/build.py makes from notebooks/src/ (rebuild after editing a source:
`python notebooks/build.py`).

Each notebook is executed from its committed .ipynb, in a fresh `python3` kernel started
in a temporary directory, so nothing is written into the repository. With ipykernel
installed, jupyter_client's built-in `python3` kernel runs on this very interpreter: no
`ipykernel install` step is needed on a fresh machine. Notebook 04 trains briefly: the test sets TINYGRAD_CNN_NOTEBOOK_QUICK=1.
"""
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT = 300  # seconds per cell; the slowest takes ~15 s in quick mode

# the README's test command installs the notebooks extra, so these are never skipped
import ipykernel  # noqa: E402,F401
import nbclient  # noqa: E402,F401
import nbformat  # noqa: E402


def _load_build():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
SOURCES = build.sources()


def test_there_are_notebooks():
    names = [s.stem for s in SOURCES]
    assert names[:5] == ["01_autograd_basics", "02_convolution_and_im2col",
                         "03_backprop_circuit", "04_train_cnn_mnist",
                         "05_figures_of_the_cnn_lecture"]
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == names


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_committed_notebook_matches_its_source(source):
    committed = nbformat.read(build.notebook_path(source), as_version=4)
    built = build.build(source)
    assert [(c.cell_type, c.source) for c in committed.cells] == \
        [(c.cell_type, c.source) for c in built.cells], \
        f"{source.name} changed: run `python notebooks/build.py {source.name[:2]}`"
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "committed without outputs"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, "committed outputs contain an error"
    assert not _stderr(code), "committed outputs contain stderr (red in Jupyter)"


def _stderr(cells):
    return [o.text for c in cells for o in c.outputs
            if o.output_type == "stream" and o.name == "stderr"]


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_notebook_executes(source, tmp_path, monkeypatch):
    monkeypatch.setenv(build.QUICK_ENV, "1")
    # the kernel must import this checkout's package and run on this interpreter
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    nb = nbformat.read(build.notebook_path(source), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    build.execute(nb, tmp_path, timeout=CELL_TIMEOUT)  # raises CellExecutionError on error
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    assert not _stderr(code), "a cell wrote to stderr (red in Jupyter)"
