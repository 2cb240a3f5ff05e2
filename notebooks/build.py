"""Build the notebooks from their sources in notebooks/src/, execute them and save them
with their outputs (so they read well on GitHub).

    python notebooks/build.py              # all notebooks
    python notebooks/build.py 02 04        # only those whose name starts with 02 or 04

Each source is a plain Python file in the "percent" format: `# %%` starts a code cell,
`# %% [markdown]` a markdown cell whose lines are comments (`# ` is stripped). Sources are
easy to review and diff; the .ipynb files are what a newcomer opens. Needs the
`notebooks` extra: `pip install -e ".[notebooks]"`.

`tests/test_notebooks.py` executes the committed notebooks (in a temporary directory)
and checks that their cells still match these sources.
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
KERNEL = "python3"
CELL_TIMEOUT = 600  # seconds; generous, the slowest cell (training) takes ~1-2 minutes
QUICK_ENV = "TINYGRAD_CNN_NOTEBOOK_QUICK"  # set to 1 to make notebook 04 train briefly

_CELL = re.compile(r"^# %%(?P<kind>.*)$")


def sources() -> List[Path]:
    """The notebook sources, in order: notebooks/src/NN_name.py."""
    return sorted(SOURCES.glob("[0-9][0-9]_*.py"))


def notebook_path(source: Path) -> Path:
    return HERE / (source.stem + ".ipynb")


def parse_cells(text: str) -> List[Tuple[str, str]]:
    """[(kind, source)] with kind 'markdown' or 'code', from a percent-format file."""
    cells: List[Tuple[str, List[str]]] = []
    for line in text.splitlines():
        match = _CELL.match(line)
        if match:
            kind = "markdown" if "[markdown]" in match.group("kind") else "code"
            cells.append((kind, []))
        elif cells:
            cells[-1][1].append(line)
        elif line.strip() and not line.startswith("#"):
            raise ValueError(f"code before the first '# %%' marker: {line!r}")
    out = []
    for kind, lines in cells:
        if kind == "markdown":
            lines = [re.sub(r"^# ?", "", line) for line in lines]
        body = "\n".join(lines).strip("\n")
        if body:
            out.append((kind, body))
    return out


def build(source: Path):
    """The notebook (no outputs) for one source file."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, body in parse_cells(source.read_text()):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(body))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids: rebuilding gives small diffs
    return nb


def execute(nb, cwd: Path, timeout: int = CELL_TIMEOUT):
    """Run every cell in order in a fresh `python3` kernel started in `cwd`; raises
    `nbclient.exceptions.CellExecutionError` at the first cell that fails."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=timeout, kernel_name=KERNEL,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _last_frame(text: str) -> str:
    """A progress bar's final state: per line, keep what follows the last carriage return."""
    return "\n".join(line.rstrip("\r").split("\r")[-1] for line in text.split("\n"))


def tidy_outputs(nb):
    """Small, stable committed outputs: progress bars reduced to their last frame, no
    execution timings."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        merged: list = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (output.get("output_type") == "stream" and previous is not None
                    and previous.get("output_type") == "stream"
                    and previous["name"] == output["name"]):
                previous["text"] += output["text"]  # tqdm writes one output per frame
            else:
                merged.append(output)
        for output in merged:
            if output.get("output_type") == "stream":
                output["text"] = _last_frame(output["text"])
        if "outputs" in cell:
            cell["outputs"] = merged
    return nb


def main(argv: Optional[List[str]] = None) -> int:
    import nbformat

    prefixes = argv if argv is not None else sys.argv[1:]
    chosen = [s for s in sources() if not prefixes or s.name.startswith(tuple(prefixes))]
    for source in chosen:
        start = time.perf_counter()
        nb = build(source)
        with tempfile.TemporaryDirectory() as tmp:  # files a notebook writes go there
            execute(nb, Path(tmp))
        nbformat.write(tidy_outputs(nb), notebook_path(source))
        print(f"{notebook_path(source).name}: executed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
