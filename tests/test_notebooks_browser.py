"""Every notebook, executed afresh, exported to HTML (nbconvert) and rendered in headless
Chromium (Debian's `chromium`; the README's test command installs it): no picture is
wider than its output cell and none is clipped. `python notebooks/browser_check.py` saves
the screenshots of the committed notebooks to look at.
"""
import importlib.util
import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"notebooks_{name}", NOTEBOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load("build")
browser = _load("browser_check")


def test_chromium_is_installed():
    assert Path(browser.chromium()).exists()


def test_problems_are_found_in_a_page_that_overflows(tmp_path):
    page = tmp_path / "wide.html"
    page.write_text('<html><body><div class="jp-OutputArea-output" style="width:500px;'
                    'overflow:auto"><svg width="800" height="50"></svg></div>'
                    + browser.MEASURE_JS + "</body></html>")
    found = browser.problems(browser.measure(page))
    assert any("800 px wide in a 500 px cell" in p for p in found)
    assert any("clipped" in p for p in found)


@pytest.mark.slow
@pytest.mark.parametrize("source", build.sources(), ids=lambda s: s.stem)
def test_pictures_fit_their_cells_in_chromium(source, tmp_path, monkeypatch):
    monkeypatch.setenv(build.QUICK_ENV, "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    nb = build.execute(build.build(source), tmp_path)
    page = tmp_path / (source.stem + ".html")
    page.write_text(browser.to_html(nb))
    pictures = browser.measure(page)
    graphs = [p for p in pictures if p["tag"] == "svg"]
    assert pictures and (graphs or source.stem.startswith("02")), "no pictures rendered"
    assert browser.problems(pictures) == []
