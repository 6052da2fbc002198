"""Which cells make which step: the grouping modes and the reasons the report gives.

- **marked**: the notebook has ``%%track`` cells or ``step:NAME`` tags: each is a step, and
  another cell becomes one only when a step needs what it writes (names or files).
- **kale**: the notebook has Kale's ``block:NAME`` tags: a block and the untagged cells after
  it are one step; ``prev:NAME`` orders it after block NAME; ``imports``/``functions`` cells
  form the shared module, ``pipeline-parameters`` the parameters, ``skip`` is left out.
- **cells**: no marks at all: every code cell is a step, except exploration (a bare
  expression, ``df.head()``, a plot), which is left out.

In every mode a papermill ``parameters`` cell gives the pipeline's parameters, and
``prev:NAME`` orders a step after the one named NAME.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .notebook import Cell
from .source import CellCode, Track

_PLOTTING = {"plt", "sns", "matplotlib", "seaborn", "px", "alt", "go", "plotly"}
_PLOT_HANDLES = {"fig", "ax", "axes", "axs", "ax1", "ax2", "g", "grid", "f", "chart", "figure", "p", "plot"}
_EFFECTS = {"print", "pprint", "info", "summary", "savefig", "write",
            "dump", "save", "to_csv", "to_parquet", "to_pickle", "to_json",
            "system", "makedirs", "mkdir", "remove", "unlink", "rmtree", "copy", "copyfile", "move"}
PARAMETER_TAGS = ("parameters", "pipeline-parameters")
SHARED_TAGS = ("imports", "functions")


@dataclass
class Group:
    cells: list[Cell]
    codes: list[str]  # each cell as Python
    track: Track | None = None
    name: str | None = None  # from %%track --name, step:NAME or block:NAME
    marked: bool = False  # a step because the notebook says so
    prev: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    role: str = "step"  # "step", "shared" or "params"

    @property
    def cell(self) -> Cell:
        return self.cells[0]

    @property
    def code(self) -> str:
        if len(self.codes) == 1:
            return self.codes[0]
        pairs = zip(self.cells, self.codes, strict=True)
        return "\n".join(f"# --- {c.label} ---\n{code.rstrip()}\n" for c, code in pairs)


@dataclass
class Grouping:
    mode: str  # "marked", "kale", "cells"
    reason: str

    def as_dict(self) -> dict:
        return {"mode": self.mode, "reason": self.reason}


def tag_value(cell: Cell, prefix: str) -> str | None:
    for tag in cell.tags:
        if tag.startswith(prefix) and tag[len(prefix):].strip():
            return tag[len(prefix):].strip()
    return None


def tag_values(cell: Cell, prefix: str) -> list[str]:
    return [t[len(prefix):].strip() for t in cell.tags if t.startswith(prefix) and t[len(prefix):].strip()]


def choose_mode(code_cells: list[tuple[Cell, CellCode]]) -> Grouping:
    tracked = sum(1 for _, code in code_cells if code.track is not None)
    tagged = sum(1 for cell, _ in code_cells if tag_value(cell, "step:"))
    blocks = sum(1 for cell, _ in code_cells if tag_value(cell, "block:"))
    if tracked or tagged:
        what = ", ".join(p for p in (f"{tracked} %%track cell(s)" if tracked else "",
                                      f"{tagged} cell(s) tagged step:NAME" if tagged else "") if p)
        return Grouping("marked", f"the notebook marks its steps ({what}): each is a step, and an "
                        "unmarked cell is one only when a step needs a name or file it writes")
    if blocks:
        return Grouping("kale", f"the notebook has Kale tags ({blocks} block:NAME cell(s)): each block and "
                        "the untagged cells after it form one step, ordered by prev:NAME and by data")
    return Grouping("cells", "the notebook has no %%track cells, step:NAME or Kale tags: every code cell is a "
                    "step, except cells that only display or plot")


def exploration(tree: ast.Module, writes: set[str], reads: set[str], last_is_display: bool) -> str | None:
    """Why a cell is only exploration (left out when unmarked), or None when it does work."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in _EFFECTS or name.startswith(("log_", "to_", "write", "save")):
                return None
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "mlflow":
                return None
    plots = bool(reads & _PLOTTING) or any(isinstance(n, ast.Attribute) and n.attr in ("plot", "hist", "imshow")
                                           for n in ast.walk(tree))
    if not writes:
        if plots:
            return "draws a plot"
        return "display only: it writes no name" if last_is_display else "writes no name"
    if plots and writes <= _PLOT_HANDLES:
        return "draws a plot"
    return None
