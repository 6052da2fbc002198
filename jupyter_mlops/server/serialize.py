"""MLflow entities -> the JSON shapes of the REST contract (openapi.yaml)."""

from __future__ import annotations

import json
import math
from typing import Any

from ..core import names

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


def run_summary(run) -> dict[str, Any]:
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
        "notebook": tags.get(names.NOTEBOOK),
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


def run_detail(run, ui_url: str, artifacts: list[dict[str, Any]], cell_source: str | None):
    summary = run_summary(run)
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
