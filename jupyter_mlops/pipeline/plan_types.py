"""The plan's data: findings, steps and the plan itself."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from ..core.tracking.defuse import DefUse
from .notebook import Cell
from .source import Track


@dataclass
class Finding:
    kind: str  # "excluded", "hidden_state", "out_of_order", "magic", "unpassable", "observed", "file", ...
    message: str
    cell: int | None = None  # 0-based index
    cell_id: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "cell": self.cell, "cell_id": self.cell_id}


@dataclass
class Step:
    name: str
    cell: Cell
    code: str
    usage: DefUse
    track: Track | None = None
    implicit: bool = False  # an unmarked cell a step needs
    inputs: dict[str, str] = field(default_factory=dict)  # name -> producing step
    outputs: list[str] = field(default_factory=list)  # names later steps read
    results: list[str] = field(default_factory=list)  # other names it writes (models...): kept too
    params: dict[str, object] = field(default_factory=dict)  # name -> notebook value
    metrics: list[str] = field(default_factory=list)
    source_run_id: str | None = None  # the notebook's tracked run of this cell
    cells: list[Cell] = field(default_factory=list)  # every cell it holds (Kale blocks hold several)
    after: set[str] = field(default_factory=set)  # steps it runs after for files or prev: tags
    files_read: list[str] = field(default_factory=list)
    files_written: list[str] = field(default_factory=list)
    why: str = ""  # why these cells are this step

    @property
    def depends_on(self) -> list[str]:
        return sorted(set(self.inputs.values()) | self.after)


@dataclass
class Plan:
    name: str
    notebook: str
    cells: list[Cell]
    steps: list[Step]  # in a dependency order
    shared: list[tuple[Cell, str]]  # cells of the shared module, as Python
    findings: list[Finding]
    shared_names: set[str] = field(default_factory=set)
    notebook_experiment: str | None = None  # where the notebook's tracked runs are
    grouping: dict = field(default_factory=dict)  # {"mode", "reason"}
    workdir: str = ""  # the notebook's folder: steps run there
    local_modules: dict[str, str] = field(default_factory=dict)  # relative path -> source
    external_files: list[str] = field(default_factory=list)  # read, not written by a step, not in the output
    prelude: str = ""  # imports from step cells and the submodules they use, run before every step
    # the retraining policy's Airflow schedule (core.lifecycle.airflow_trigger), airflow target only
    schedule: dict | None = None

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


def identifier(text: str, fallback: str = "step") -> str:
    name = re.sub(r"\W+", "_", text.strip()).strip("_").lower() or fallback
    if name[0].isdigit() or keyword.iskeyword(name):
        return f"{fallback}_{name}"
    return name
