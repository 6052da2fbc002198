"""Cross-check the static plan with what ``%%track`` recorded when the cells ran.

For each step the latest tracked run of its cell (``mlops.cell.id``) gives the lineage
link (``source_run_id``), whether the cell was edited since, the data it really read
(``mlops.data.inputs``) and the kinds of what it wrote (``mlops.data.outputs``).
"""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_mlops.core import names, store

from .checks import unpassable_kind
from .plan import Finding, Plan


def notebook_keys(notebook_path: Path) -> list[str]:
    """The ways a tracked run may name this notebook: relative to the root, absolute, bare."""
    from jupyter_mlops.core.config import find_root

    path = notebook_path.resolve()
    keys = [str(path), path.name]
    try:
        keys.insert(0, str(path.relative_to(find_root(path.parent))))
    except ValueError:
        pass
    return list(dict.fromkeys(keys))


def tracked_runs(client, keys: list[str]) -> list:
    experiments = [e.experiment_id for e in store.all_experiments(client)]
    if not experiments:
        return []
    if keys:  # runs recorded before the notebook was renamed or moved (core/tracking/notebooks.py)
        from jupyter_mlops.core.tracking.notebooks import all_paths

        keys = list(dict.fromkeys([*keys, *all_paths(client, keys[0])]))
    runs = []
    for key in keys:
        runs += store.iter_runs(client, experiments, store.equals(store.tag(names.NOTEBOOK), key),
                                store.equals(store.tag(names.KIND), "cell"),
                                order_by=["attributes.start_time DESC"])
    unique = {r.info.run_id: r for r in runs}
    return sorted(unique.values(), key=lambda r: r.info.start_time or 0, reverse=True)


def _data(run, tag: str) -> list[dict]:
    try:
        value = json.loads(run.data.tags.get(tag, "[]"))
    except json.JSONDecodeError:
        return []
    return [v for v in value if isinstance(v, dict) and v.get("name")]


def _same_source(run, source: str) -> bool:
    recorded = run.data.tags.get(names.CELL_SOURCE)
    if recorded is None:
        return True
    body = source.split("\n", 1)[1] if source.lstrip().startswith("%%") and "\n" in source else source
    candidates = {source.strip(), body.strip()}
    if len(recorded) >= names.MAX_TAG_VALUE - 100:  # truncated: compare the prefix
        return any(c.startswith(recorded.strip()[:1000]) for c in candidates)
    return recorded.strip() in candidates


def cross_check(plan: Plan, runs: list) -> list[Finding]:
    findings: list[Finding] = []
    by_cell: dict[str, object] = {}
    for run in runs:  # newest first
        by_cell.setdefault(run.data.tags.get(names.CELL_ID, ""), run)
    cells = {c.id: c for c in plan.cells if c.id}
    step_of = {s.cell.id: s for s in plan.steps if s.cell.id}
    # name -> where it came from: a cell no longer in the notebook, or one edited since.
    written_elsewhere: dict[str, str] = {}
    for cell_id, run in by_cell.items():
        if not cell_id:
            continue
        for item in _data(run, names.DATA_OUTPUTS):
            if cell_id not in cells:
                written_elsewhere.setdefault(item["name"], f"only a cell no longer in the notebook (id {cell_id})")
            elif cell_id in step_of and item["name"] not in step_of[cell_id].usage.writes:
                written_elsewhere.setdefault(
                    item["name"], f"only {cells[cell_id].label} before it was edited (run {run.info.run_id})")
    writers = {n: s.name for s in plan.steps for n in s.usage.writes}
    for step in plan.steps:
        run = by_cell.get(step.cell.id) if step.cell.id else None
        if run is None:
            continue
        step.source_run_id = run.info.run_id
        label = f"{step.cell.label} (step '{step.name}')"
        if not _same_source(run, step.cell.source):
            findings.append(Finding("edited", f"{label} was edited since its tracked run {run.info.run_id}: "
                                    "run it again so the pipeline and the notebook agree",
                                    step.cell.index, step.cell.id))
        for item in _data(run, names.DATA_INPUTS):
            name = item["name"]
            if name in step.inputs or name in plan.shared_names or name in step.usage.binds:
                continue
            if name in written_elsewhere and name not in writers:
                findings.append(Finding(
                    "hidden_state", f"{label} read '{name}' when tracked, which {written_elsewhere[name]} "
                    f"wrote: restore that code or recreate '{name}' in a cell above",
                    step.cell.index, step.cell.id))
            else:
                findings.append(Finding(
                    "observed", f"{label} read '{name}' when tracked, but its code does not show it; "
                    "check the cell for reads through eval, globals() or another module",
                    step.cell.index, step.cell.id))
        for item in _data(run, names.DATA_OUTPUTS):
            if item["name"] in step.outputs and unpassable_kind(str(item.get("kind", ""))):
                findings.append(Finding(
                    "unpassable", f"{label} wrote '{item['name']}' of type {item['kind']}, which cannot be "
                    "passed between steps: create it in the step that uses it",
                    step.cell.index, step.cell.id))
    return findings
