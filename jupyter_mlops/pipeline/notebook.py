"""Read a notebook file into plain cells, with errors that say what is wrong with it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ExportError, NotebookNotFound


@dataclass
class Cell:
    index: int  # 0-based position among all cells
    id: str  # nbformat 4.5 cell id ("" for older notebooks)
    cell_type: str
    source: str
    tags: tuple[str, ...] = ()
    execution_count: int | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How messages name this cell: its position as a person counts, and its id."""
        return f"cell {self.index + 1}" + (f" (id {self.id})" if self.id else "")


def read_notebook(path: str | os.PathLike) -> list[Cell]:
    path = Path(path)
    if not path.exists():
        raise NotebookNotFound(f"{path}: no such file.", code="not_found")
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give the path of a .ipynb notebook.", code="not_notebook")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ExportError(f"{path} is not a notebook: it is not UTF-8 text ({exc.reason}).",
                          code="not_notebook") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "a notebook is a JSON document: open and save it in JupyterLab to repair it.",
            code="invalid_json",
        ) from exc
    return cells_from_json(data, str(path))


def cells_from_json(data: object, where: str = "notebook") -> list[Cell]:
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ExportError(f"{where} is not a Jupyter notebook: it has no list of 'cells'.",
                          code="not_notebook")
    major = data.get("nbformat")
    if major is not None and major != 4:
        raise ExportError(f"{where} is in notebook format {major}; only format 4 is supported. "
                          "Open and save it with a current JupyterLab to upgrade it.",
                          code="not_notebook")
    cells = []
    for index, raw in enumerate(data["cells"]):
        if not isinstance(raw, dict) or "cell_type" not in raw:
            raise ExportError(f"{where}: cell {index + 1} is malformed (no cell_type).",
                              code="not_notebook", cell=index)
        source = raw.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        metadata = raw.get("metadata") or {}
        tags = metadata.get("tags") or ()
        cells.append(Cell(
            index=index,
            id=str(raw.get("id") or ""),
            cell_type=raw["cell_type"],
            source=source,
            tags=tuple(str(t) for t in tags),
            execution_count=raw.get("execution_count"),
            metadata=metadata,
        ))
    return cells
