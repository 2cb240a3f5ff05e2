"""Run a PyTorch-style program twice: as written (torch) and with tinygrad_cnn behind the
same import names — the only change a user would make."""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Dict, Tuple

PROGRAMS = Path(__file__).parent / "programs"
_TORCH_IMPORT = re.compile(r"^(\s*)(import|from) torch\b(\S*)(.*)$")


def swap_imports(source: str) -> str:
    """`import torch` -> `import tinygrad_cnn as torch`; `import torch.x as y` /
    `from torch.x import y` -> the same path under tinygrad_cnn. Nothing else changes.

    >>> print(swap_imports("import torch\\nimport torch.nn as nn\\nfrom torch import optim"))
    import tinygrad_cnn as torch
    import tinygrad_cnn.nn as nn
    from tinygrad_cnn import optim
    """
    def swap(match: re.Match) -> str:
        indent, verb, rest, tail = match.groups()
        if verb == "import" and not rest and not tail.strip().startswith("as"):
            return f"{indent}import tinygrad_cnn as torch{tail}"
        return f"{indent}{verb} tinygrad_cnn{rest}{tail}"
    return "\n".join(_TORCH_IMPORT.sub(swap, line) for line in source.splitlines())


def run_program(name: str, library: str) -> Tuple[Dict[str, Any], float]:
    """Execute programs/<name>.py with `library` ('torch' or 'tinygrad_cnn'); returns its
    RESULT dict and the seconds it took. Tracebacks point at the program's own lines."""
    path = PROGRAMS / f"{name}.py"
    source = path.read_text()
    if library == "tinygrad_cnn":
        source = swap_imports(source)
    namespace: Dict[str, Any] = {"__name__": f"compat_{name}", "__file__": str(path)}
    start = time.perf_counter()
    exec(compile(source, str(path), "exec"), namespace)
    return namespace["RESULT"], time.perf_counter() - start
