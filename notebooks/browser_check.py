"""Look at the notebooks the way a reader does: exported to HTML (nbconvert) and rendered
in headless Chromium (Debian's `chromium`, nothing downloaded), at a 1000 px window.

    python notebooks/browser_check.py [OUT_DIR]     # screenshots + a report per notebook

For each committed notebook it writes OUT_DIR/NN_name.png (the whole page) and prints, per
picture (inline SVG or image in an output cell), its rendered width, its cell's width,
and whether it is clipped. `tests/test_notebooks_browser.py` asserts on the same
measurements after executing each notebook afresh.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

HERE = Path(__file__).resolve().parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
WINDOW = (1000, 900)

# Runs in the page after load: measures every picture in an output cell against the cell
# (and every scrolling ancestor), then writes the result as JSON into the page.
MEASURE_JS = """
<script>
window.addEventListener('load', function () {
  var found = [];
  document.querySelectorAll('.jp-OutputArea-output, .output_area').forEach(function (cell) {
    cell.querySelectorAll('svg, img').forEach(function (pic) {
      if (pic.closest('svg') !== pic && pic.tagName.toLowerCase() === 'svg') return;
      var r = pic.getBoundingClientRect(), c = cell.getBoundingClientRect();
      var clipped = false, node = pic.parentElement;
      while (node && node !== document.body) {
        var s = getComputedStyle(node);
        var n = node.getBoundingClientRect();
        if ((s.overflowX !== 'visible' || s.overflowY !== 'visible') &&
            (r.right > n.right + 1 || r.bottom > n.bottom + 1 || r.left < n.left - 1))
          clipped = true;
        node = node.parentElement;
      }
      found.push({tag: pic.tagName.toLowerCase(), width: r.width, height: r.height,
                  cell_width: c.width, left: r.left - c.left, right: c.right - r.right,
                  clipped: clipped,
                  natural: pic.naturalWidth || (pic.viewBox && pic.viewBox.baseVal
                                                 ? pic.viewBox.baseVal.width * 4 / 3 : 0)});
    });
  });
  var pre = document.createElement('pre');
  pre.id = 'picture-check';
  pre.textContent = JSON.stringify(found);
  document.body.appendChild(pre);
});
</script>
"""


def chromium() -> str:
    """Path of the Chromium binary (Debian: `apt-get install chromium`)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("chromium is not installed: apt-get install -y chromium "
                           "(the README's test command does it)")
    return path


def to_html(nb) -> str:
    """The notebook as nbconvert's HTML page, with the measuring script added."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    return body.replace("</body>", MEASURE_JS + "</body>", 1)


def _run_chromium(args: List[str], profile: Path, timeout: int = 120) -> str:
    command = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
               f"--window-size={WINDOW[0]},{WINDOW[1]}", "--virtual-time-budget=10000", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    return done.stdout


def measure(html_path: Path) -> List[dict]:
    """Every picture's rendered box and its cell's, as the page measured them."""
    with tempfile.TemporaryDirectory() as profile:
        dom = _run_chromium(["--dump-dom", html_path.as_uri()], Path(profile))
    match = re.search(r'<pre id="picture-check">(.*?)</pre>', dom, re.S)
    if match is None:
        raise RuntimeError(f"the page {html_path} did not report its pictures")
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def screenshot(html_path: Path, png: Path, height: int = 12000) -> Path:
    """A PNG of the whole page (a window `height` px tall), 1000 px wide."""
    with tempfile.TemporaryDirectory() as profile:
        _run_chromium([f"--screenshot={png}", f"--window-size={WINDOW[0]},{height}",
                       html_path.as_uri()], Path(profile))
    return png


def problems(pictures: List[dict]) -> List[str]:
    """What a reader would see wrong: a picture wider than its cell, or clipped.

    >>> problems([{"tag": "svg", "width": 950.0, "cell_width": 900.0, "left": 0,
    ...            "right": -50, "clipped": False}])
    ['picture 1 (svg) is 950 px wide in a 900 px cell']
    """
    found = []
    for i, p in enumerate(pictures, start=1):
        if p["width"] > p["cell_width"] + 1 or p["right"] < -1 or p["left"] < -1:
            found.append(f"picture {i} ({p['tag']}) is {p['width']:.0f} px wide in a "
                         f"{p['cell_width']:.0f} px cell")
        if p["clipped"]:
            found.append(f"picture {i} ({p['tag']}) is clipped by a scrolling container")
    return found


def main(argv: Optional[List[str]] = None) -> int:
    import nbformat

    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else HERE / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    status = 0
    for notebook in sorted(HERE.glob("[0-9][0-9]_*.ipynb")):
        html = out / (notebook.stem + ".html")
        html.write_text(to_html(nbformat.read(notebook, as_version=4)))
        pictures = measure(html)
        screenshot(html, out / (notebook.stem + ".png"))
        print(f"{notebook.name}: {len(pictures)} pictures")
        for p in pictures:
            print(f"  {p['tag']}: {p['width']:.0f}×{p['height']:.0f} px in a "
                  f"{p['cell_width']:.0f} px cell (natural {p['natural']:.0f} px)"
                  + ("  CLIPPED" if p["clipped"] else ""))
        for problem in problems(pictures):
            print("  PROBLEM:", problem)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
