"""What the kernel knows about the cell being run: notebook, cell id, history."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..core.tracking.codeinfo import CellCode, analyze

_TRANSPARENT_CELL_MAGICS = ("%%track", "%%time", "%%capture")
MAX_DEPENDENCY_CELLS = 50


def kernel_id() -> str | None:
    """This kernel's id in the Jupyter server (its connection file is kernel-<id>.json)."""
    app_module = sys.modules.get("ipykernel.kernelapp")  # not imported: not in a kernel
    if app_module is None:
        return None
    try:
        if not app_module.IPKernelApp.initialized():
            return None
        name = Path(app_module.IPKernelApp.instance().connection_file).name
    except Exception:  # noqa: BLE001 - not an ipykernel: no id, no renames
        return None
    return name[len("kernel-"):-len(".json")] if name.startswith("kernel-") and name.endswith(".json") else None


def _moved_to(root: Path | None, state_dir: Path | None) -> str | None:
    """The notebook's path relative to ``root`` when the server saw it renamed since the
    kernel started (core/tracking/notebooks.py)."""
    if root is None:
        return None
    from ..core.config import ENV_STATE_DIR, STATE_DIR_NAME
    from ..core.tracking.notebooks import kernel_path

    state = state_dir or Path(os.environ.get(ENV_STATE_DIR) or root / STATE_DIR_NAME)
    return kernel_path(state, kernel_id())


def notebook_path(root: Path | None = None, state_dir: Path | None = None) -> Path | None:
    """The notebook this kernel runs: where the server last saw it renamed to, else the
    ``JPY_SESSION_NAME`` Jupyter set when it started the kernel."""
    moved = _moved_to(root, state_dir)
    if moved and root is not None:
        return root / moved
    name = os.environ.get("JPY_SESSION_NAME")
    if not name:
        return None
    path = Path(name)
    return path if path.is_absolute() else Path.cwd() / path


def relative_notebook(root: Path, state_dir: Path | None = None) -> str | None:
    path = notebook_path(root, state_dir)
    if path is None:
        return None
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def cell_id(shell) -> str | None:
    """JupyterLab sends the cell's id in the execute request metadata."""
    get_parent = getattr(shell, "get_parent", None)
    if get_parent is None:
        return None
    try:
        parent = get_parent() or {}
    except (LookupError, AttributeError):
        return None
    metadata = parent.get("metadata") or {}
    return metadata.get("cellId") or metadata.get("cell_id")


def execution_count(shell) -> int:
    """The number the running cell shows as In[N] (IPython 9 counts up before the cell
    runs, IPython 8 after, so ask the cell's own ExecutionResult first)."""
    result = getattr(shell.displayhook, "exec_result", None)
    count = getattr(result, "execution_count", None)
    return count if isinstance(count, int) and count > 0 else shell.execution_count


@dataclass
class Dependency:
    execution_count: int
    names: list[str]
    source: str


class History:
    """Def/use facts of the cells executed so far, parsed lazily and cached."""

    def __init__(self, shell) -> None:
        self.shell = shell
        self._python: dict[str, str] = {}

    def python_source(self, raw: str) -> str:
        """Plain Python for a raw cell: magics turned into calls, the body of
        transparent cell magics (%%track, %%time) kept as code."""
        cached = self._python.get(raw)
        if cached is not None:
            return cached
        body = raw
        stripped = raw.lstrip()
        if stripped.startswith(_TRANSPARENT_CELL_MAGICS):
            body = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        try:
            python = self.shell.transform_cell(body)
        except Exception:  # noqa: BLE001 - an untransformable cell defines nothing we can see
            python = ""
        if len(self._python) > 4096:
            self._python.clear()
        self._python[raw] = python
        return python

    def code(self, raw: str) -> CellCode:
        return analyze(self.python_source(raw))

    def dependencies(self, reads: frozenset[str], before: int) -> list[Dependency]:
        """The latest earlier cells defining what this cell reads, followed transitively."""
        history = self.shell.history_manager.input_hist_raw
        wanted = set(reads)
        found: list[Dependency] = []
        for count in range(min(before, len(history)) - 1, 0, -1):
            if not wanted or len(found) >= MAX_DEPENDENCY_CELLS:
                break
            raw = history[count]
            code = self.code(raw)
            defined = wanted & (code.writes - code.mutates)
            if not defined:
                continue
            wanted -= defined
            wanted |= code.reads
            found.append(Dependency(count, sorted(defined), raw))
        found.reverse()
        return found
