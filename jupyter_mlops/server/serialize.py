"""MLflow entities -> the JSON shapes of the REST contract (openapi.yaml)."""

from __future__ import annotations

import json
import math
from typing import Any

from ..core import names
from ..core.tracking import notebooks

# Tags the runs table shows as columns, so a page does not ship every tag.
_SUMMARY_TAGS = (names.NOTEBOOK, names.CELL_ID, names.KIND, names.ERROR, names.RUN_NAME)
INTERNAL_EXPERIMENT_PREFIX = ".mlops"


def experiment(exp, activity) -> dict[str, Any]:
    return {
        "experiment_id": exp.experiment_id,
        "name": exp.name,
        "lifecycle_stage": exp.lifecycle_stage,
        "artifact_location": exp.artifact_location,
        "creation_time": exp.creation_time,
        "last_update_time": exp.last_update_time,
        "run_count": activity.run_count,
        "run_count_capped": activity.capped,
        "last_activity": activity.last_activity or exp.last_update_time,
        "internal": exp.name.startswith(INTERNAL_EXPERIMENT_PREFIX),
        "tags": dict(exp.tags or {}),
    }


def finite(value: float) -> float | None:
    """JSON has no NaN or Infinity; the contract sends null for a non-finite metric."""
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def _duration_ms(run) -> int | None:
    info = run.info
    if info.start_time and info.end_time:
        return int(info.end_time - info.start_time)
    recorded = run.data.tags.get(names.DURATION)
    try:
        return int(float(recorded)) if recorded is not None else None
    except ValueError:
        return None


def run_summary(run, experiment_tags: dict | None = None) -> dict[str, Any]:
    """``experiment_tags``: of the run's experiment, so that a run recorded before its
    notebook was renamed names the notebook's path now (core/tracking/notebooks.py)."""
    info, data = run.info, run.data
    tags = data.tags
    return {
        "run_id": info.run_id,
        "run_name": info.run_name or tags.get(names.RUN_NAME) or "",
        "experiment_id": info.experiment_id,
        "status": info.status,
        "lifecycle_stage": info.lifecycle_stage,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "duration_ms": _duration_ms(run),
        "params": dict(data.params),
        "metrics": {key: finite(value) for key, value in data.metrics.items()},
        "tags": {key: tags[key] for key in _SUMMARY_TAGS if key in tags},
        "notebook": notebooks.current_path(tags.get(names.NOTEBOOK), experiment_tags),
        "notebook_recorded": tags.get(names.NOTEBOOK),
        "cell_id": tags.get(names.CELL_ID),
    }


def _json_tag(tags: dict[str, str], key: str) -> list[Any]:
    raw = tags.get(key)
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def datasets(run) -> list[dict[str, Any]]:
    inputs = getattr(run, "inputs", None)
    found = []
    for item in getattr(inputs, "dataset_inputs", None) or []:
        ds = item.dataset
        input_tags = {tag.key: tag.value for tag in item.tags or []}
        found.append(
            {
                "name": ds.name,
                "digest": ds.digest,
                "source_type": ds.source_type,
                "source": ds.source,
                "schema": ds.schema,
                "profile": ds.profile,
                "context": input_tags.get(names.DATASET_CONTEXT),
                "role": input_tags.get(names.DATASET_ROLE),
                "tags": input_tags,
            }
        )
    return found


def run_detail(run, ui_url: str, artifacts: list[dict[str, Any]], cell_source: str | None,
               experiment_tags: dict | None = None, contracts: list[dict[str, Any]] | None = None):
    """``contracts``: what core.contracts.recorded.run_contracts read (a status per
    contract and dataset checked, with the failing checks)."""
    summary = run_summary(run, experiment_tags)
    tags = run.data.tags
    info = run.info
    summary.update(
        {
            "tags": dict(tags),
            "user_id": info.user_id,
            "artifact_uri": info.artifact_uri,
            "source_name": tags.get(names.SOURCE_NAME),
            "cell_source": cell_source,
            "cell_execution_count": tags.get(names.CELL_EXECUTION_COUNT),
            "datasets": datasets(run),
            "data_inputs": _json_tag(tags, names.DATA_INPUTS),
            "data_outputs": _json_tag(tags, names.DATA_OUTPUTS),
            "artifacts": artifacts,
            "contracts": contracts or [],
            "ui_url": mlflow_ui_link(ui_url, info.experiment_id, info.run_id),
        }
    )
    return summary


def mlflow_ui_link(ui_url: str, experiment_id: str, run_id: str) -> str | None:
    if not ui_url:
        return None
    return f"{ui_url}/#/experiments/{experiment_id}/runs/{run_id}"


def metric_history(key: str, history, max_points: int) -> dict[str, Any]:
    points = sorted(history, key=lambda m: (m.step, m.timestamp))
    total = len(points)
    if total > max_points:
        # Evenly spaced samples, always keeping the last point.
        stride = total / max_points
        points = [points[min(total - 1, int(i * stride))] for i in range(max_points - 1)] + [
            points[-1]
        ]
    return {
        "key": key,
        "total": total,
        "points": [{"step": m.step, "value": finite(m.value), "timestamp": m.timestamp} for m in points],
    }


def _side_by_side(runs, values_of) -> list[dict[str, Any]]:
    """One row per key over the runs (None where a run lacks it), rows that differ first."""
    keys = sorted({key for run in runs for key in values_of(run)})
    rows = []
    for key in keys:
        values = [values_of(run).get(key) for run in runs]
        rows.append({"key": key, "values": values, "differs": len({repr(v) for v in values}) > 1})
    rows.sort(key=lambda row: not row["differs"])  # stable: by key within each group
    return rows


def default_compare_metric(runs) -> str | None:
    """The metric most of the runs have (alphabetically first among equals)."""
    counts: dict[str, int] = {}
    for run in runs:
        for key in run.data.metrics:
            counts[key] = counts.get(key, 0) + 1
    return min(counts, key=lambda key: (-counts[key], key)) if counts else None


def comparison(runs, metric: str | None, histories: dict, max_points: int,
               experiment_tags: dict[str, dict] | None = None) -> dict[str, Any]:
    tags_of = experiment_tags or {}
    return {
        "runs": [run_summary(run, tags_of.get(run.info.experiment_id)) for run in runs],
        "params": _side_by_side(runs, lambda run: dict(run.data.params)),
        "metrics": _side_by_side(runs, lambda run: {k: finite(v) for k, v in run.data.metrics.items()}),
        "metric": metric,
        "histories": [
            {"run_id": run.info.run_id, **metric_history(metric, histories[run.info.run_id], max_points)}
            for run in runs if run.info.run_id in histories
        ],
    }
