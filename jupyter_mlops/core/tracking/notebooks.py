"""Where a notebook's runs live when the notebook is renamed or moved.

A notebook's identity is its experiment: the kernel names the experiment after the
notebook's path, and when the notebook is renamed or moved the experiment is renamed with
it (its id, and so every earlier run, stays).  The experiment carries the notebook's current
path (``mlops.notebook``) and the paths it had before (``mlops.notebook.former_paths``).
Runs keep the path they were recorded under; readers map a former path of the run's own
experiment to the current one (:func:`current_path`).

Two things feed renames in:

- the Jupyter server's contents events (a rename in JupyterLab or through the REST API):
  :func:`rename` renames the experiments, and each running kernel of the notebook is told
  its new path through a small file in the state folder (:func:`record_kernel_path`);
- a notebook moved on disk, seen when it is next opened: the run's cell ids (nbformat 4.5
  gives every cell a stable id, recorded on each run as ``mlops.cell.id``) find the
  experiment whose notebook is gone (:func:`adopt_moved`).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .. import names, store

logger = logging.getLogger(__name__)

KERNEL_PATHS_DIR = "notebook-paths"  # under the state folder: <kernel id> -> current path
RENAMED_MARKER = "renamed"  # touched on every rename: long-lived caches of names drop then
MAX_FORMER_PATHS = 50
MAX_CELLS_TRIED = 20  # cell ids of a moved notebook looked up before giving up


# -- kernels: where a running kernel's notebook is now --------------------------------------
def _kernel_file(state_dir: Path, kernel_id: str) -> Path | None:
    if not kernel_id or not all(c.isalnum() or c in "-_" for c in kernel_id):
        return None
    return state_dir / KERNEL_PATHS_DIR / kernel_id


def record_kernel_path(state_dir: Path, kernel_id: str, path: str) -> None:
    """Tell the kernel ``kernel_id`` that its notebook is now at ``path`` (atomic write)."""
    target = _kernel_file(state_dir, kernel_id)
    if target is None:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=".kernel-", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(path)
    os.replace(scratch, target)


def kernel_path(state_dir: Path, kernel_id: str | None) -> str | None:
    """The path the server last recorded for this kernel's notebook, if it was moved."""
    target = _kernel_file(state_dir, kernel_id or "")
    if target is None:
        return None
    try:
        return target.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def forget_kernels(state_dir: Path, keep: Iterable[str]) -> None:
    """Remove the files of kernels that no longer run."""
    folder = state_dir / KERNEL_PATHS_DIR
    keep = set(keep)
    for entry in folder.glob("*") if folder.is_dir() else []:
        if entry.name not in keep and entry.name != RENAMED_MARKER:
            entry.unlink(missing_ok=True)


def rename_generation(state_dir: Path) -> float:
    """Changes whenever an experiment was renamed after its notebook (0 before any)."""
    try:
        return (state_dir / KERNEL_PATHS_DIR / RENAMED_MARKER).stat().st_mtime_ns
    except OSError:
        return 0


def _touch_marker(state_dir: Path) -> None:
    marker = state_dir / KERNEL_PATHS_DIR / RENAMED_MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    os.utime(marker)


# -- experiments: the notebook's identity ----------------------------------------------------
def former_paths(tags: dict | None) -> list[str]:
    try:
        value = json.loads((tags or {}).get(names.NOTEBOOK_FORMER_PATHS) or "[]")
    except ValueError:
        return []
    return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []


def current_path(recorded: str | None, experiment_tags: dict | None) -> str | None:
    """The path a run's notebook has now: a former path of the run's experiment maps to the
    experiment's current path; anything else is returned as recorded."""
    if not recorded or not experiment_tags:
        return recorded
    now = experiment_tags.get(names.NOTEBOOK)
    if now and recorded in former_paths(experiment_tags):
        return now
    return recorded


def all_paths(client, path: str) -> list[str]:
    """``path`` and the paths the notebook now at ``path`` had before (for searches by tag)."""
    found = client.get_experiment_by_name(path)
    return list(dict.fromkeys([path, *former_paths(found.tags if found else None)]))


def _moves(old: str, new: str, experiment_names: Iterable[str]) -> list[tuple[str, str]]:
    """(old name, new name) of the experiments named after ``old`` or a notebook under it."""
    old, new = old.strip("/"), new.strip("/")
    moves = []
    for name in experiment_names:
        if name == old:
            moves.append((name, new))
        elif name.startswith(old + "/"):
            moves.append((name, new + name[len(old):]))
    return moves


def rename(client, state_dir: Path, old: str, new: str) -> list[tuple[str, str]]:
    """The notebook (or folder of notebooks) ``old`` is now ``new``: rename the experiments
    named after it, keeping their ids.  Returns the (old, new) names it renamed; an
    experiment whose new name is taken is left as it is (logged)."""
    experiments = {e.name: e for e in store.all_experiments(client)}
    done = []
    for before, after in _moves(old, new, experiments):
        if after in experiments or client.get_experiment_by_name(after) is not None:
            logger.warning("jupyter-mlops: %s was renamed to %s, but an experiment %s exists already; "
                           "the runs of %s stay in experiment %s", before, after, after, before, before)
            continue
        _rename_experiment(client, experiments[before], after)
        done.append((before, after))
    if done:
        _touch_marker(state_dir)
    return done


def _rename_experiment(client, experiment, new_name: str) -> None:
    experiment = client.get_experiment(experiment.experiment_id)  # as it is now, not as listed
    if experiment.name == new_name:
        return
    former = [p for p in former_paths(experiment.tags) if p not in (new_name, experiment.name)]
    former = [*former, experiment.name][-MAX_FORMER_PATHS:]
    # The tags first, the name last: whoever sees the new name sees its tags too (the
    # file on disk is already at the new path, so the tags are right from the start).
    client.set_experiment_tag(experiment.experiment_id, names.NOTEBOOK, new_name)
    client.set_experiment_tag(experiment.experiment_id, names.NOTEBOOK_FORMER_PATHS,
                              json.dumps(former)[: names.MAX_TAG_VALUE])
    client.rename_experiment(experiment.experiment_id, new_name)


def cell_ids(notebook_file: Path) -> list[str]:
    """The cell ids of a notebook on disk (nbformat 4.5 and later), first cells first."""
    try:
        content = json.loads(notebook_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    cells = content.get("cells") if isinstance(content, dict) else None
    return [c["id"] for c in cells or [] if isinstance(c, dict) and isinstance(c.get("id"), str) and c["id"]]


def adopt_moved(client, state_dir: Path, root: Path, path: str) -> str | None:
    """The notebook ``root / path`` has no experiment: if one whose notebook no longer exists
    holds runs of this notebook's cells, the notebook was moved on disk, so that experiment
    follows it.  Its old name, or None."""
    experiments = store.all_experiments(client)
    if any(e.name == path for e in experiments):
        return None
    orphans = [e for e in experiments
               if e.name.endswith(".ipynb") and not e.name.startswith(".mlops") and not (root / e.name).exists()]
    if not orphans:
        return None
    ids = cell_ids(root / path)
    by_id = {e.experiment_id: e for e in orphans}
    for cell in ids[:MAX_CELLS_TRIED]:
        run = store.find_run(client, list(by_id), store.equals(store.tag(names.CELL_ID), cell))
        if run is not None:
            experiment = by_id[run.info.experiment_id]
            if rename(client, state_dir, experiment.name, path):
                return experiment.name
            return None
    return None
