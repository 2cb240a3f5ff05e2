"""Result rows, pass/fail targets, and rendering as a console table, markdown and JSON."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

COLUMNS = ("section", "case", "unit", "ours", "torch", "numpy", "ours/torch", "ours/numpy",
           "target", "ok", "notes")


@dataclass
class Target:
    """`metric` ("ours/torch", "ours/numpy" or "ours") must be at most `limit`."""
    metric: str
    limit: float
    label: str

    def check(self, row: "Row") -> Optional[bool]:
        value = row.metric(self.metric)
        return None if value is None else value <= self.limit


@dataclass
class Row:
    """One measurement: lower is better for every value (time or memory) unless noted.

    Summary rows (geometric means, worst case) carry only `ratio_torch`/`ratio_numpy`.
    """
    section: str
    case: str
    unit: str
    ours: Optional[float] = None
    torch: Optional[float] = None
    numpy: Optional[float] = None
    notes: str = ""
    targets: List[Target] = field(default_factory=list)
    ratio_torch: Optional[float] = None
    ratio_numpy: Optional[float] = None
    compare: bool = True         # False for rows where higher is better (throughput)

    def __post_init__(self) -> None:
        if not self.compare:
            return
        if self.ratio_torch is None:
            self.ratio_torch = _divide(self.ours, self.torch)
        if self.ratio_numpy is None:
            self.ratio_numpy = _divide(self.ours, self.numpy)

    def metric(self, name: str) -> Optional[float]:
        return {"ours/torch": self.ratio_torch, "ours/numpy": self.ratio_numpy,
                "ours": self.ours}[name]

    def verdict(self) -> str:
        """PASS/FAIL over all targets; '?' when a target's value is missing."""
        results = [t.check(self) for t in self.targets]
        if not results:
            return ""
        if None in results:
            return "?"
        return "PASS" if all(results) else "FAIL"

    def cells(self) -> Dict[str, str]:
        return {"section": self.section, "case": self.case, "unit": self.unit,
                "ours": _num(self.ours), "torch": _num(self.torch), "numpy": _num(self.numpy),
                "ours/torch": _ratio(self.ratio_torch), "ours/numpy": _ratio(self.ratio_numpy),
                "target": "; ".join(t.label for t in self.targets), "ok": self.verdict(),
                "notes": self.notes}


def _divide(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def _num(value: Optional[float]) -> str:
    if value is None:
        return ""
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def _ratio(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.2f}x"


def text_table(rows: List[Row]) -> str:
    """Aligned plain-text table for the console."""
    cells = [r.cells() for r in rows]
    widths = {c: max([len(c)] + [len(x[c]) for x in cells]) for c in COLUMNS}
    line = lambda values: "  ".join(values[c].ljust(widths[c]) for c in COLUMNS).rstrip()
    header = line({c: c for c in COLUMNS})
    return "\n".join([header, "-" * len(header)] + [line(x) for x in cells])


def markdown(rows: List[Row], header: List[str]) -> str:
    escape = lambda s: s.replace("|", "\\|")
    lines = header + ["", "| " + " | ".join(COLUMNS) + " |",
                      "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(escape(r.cells()[c]) for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def to_json(rows: List[Row], meta: Dict[str, Any]) -> str:
    records = [dict(asdict(r), ok=r.verdict()) for r in rows]
    return json.dumps({"meta": meta, "rows": records}, indent=2)


def write(out_dir: Path, rows: List[Row], header: List[str], meta: Dict[str, Any]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.md").write_text(markdown(rows, header))
    (out_dir / "latest.json").write_text(to_json(rows, meta))
