"""The lifecycle half of a lineage graph: what caused a retrained model version.

A version registered by a retraining (core/lifecycle/retrain.py) carries the ``triggered``
decision run (``mlops.model.trigger_run``) and the fingerprint of the data it was retrained
on (``mlops.model.data_fingerprint``, ``{path: digest}``).  They are drawn with the kinds
the graph already has::

    {"id": "run:<decision run>", "kind": "run", "label": "triggered (drift)", "decision": "triggered",
     "trigger": "drift", "key": "data:...", ...the fields of every run node...}
    {"id": "dataset:<file digest>", "kind": "dataset", "label": "data/train.csv", "digest": "...",
     "names": ["data/train.csv"], "path": "data/train.csv"}

    edges: decision run -> version     "triggered"
           data file    -> version     "retrained_on"
           data file    -> decision    "caused"     (a new-data trigger)
           alert run    -> decision    "caused"     (a drift trigger: monitoring's alert run)
"""

from __future__ import annotations

import json

from .. import names, store
from .model_nodes import Canvas


def add_retrainings(client, canvas: Canvas, versions) -> None:
    """Link each retrained version among ``versions`` to its trigger and its data."""
    decisions: dict[str, object] = {}
    for mv in versions:
        tags = mv.tags or {}
        version_node = f"model_version:{mv.name}/{mv.version}"
        trigger_run = tags.get(names.MODEL_TRIGGER_RUN)
        decision_node = None
        if trigger_run:
            if trigger_run not in decisions:
                decisions[trigger_run] = store.run_or_none(client, trigger_run)
            run = decisions[trigger_run]
            if run is not None:
                decision_node = _decision(client, canvas, run, tags.get(names.MODEL_TRIGGER))
                canvas.edge(decision_node, version_node, "triggered")
        prints = _fingerprint(tags.get(names.MODEL_DATA_FINGERPRINT))
        for path, digest in sorted(prints.items()):
            data_node = f"dataset:{digest}"
            canvas.node(data_node, "dataset", path, digest=digest, names=[path], path=path)
            canvas.edge(data_node, version_node, "retrained_on")
            if decision_node is not None and canvas.nodes[decision_node].get("trigger") == "data":
                canvas.edge(data_node, decision_node, "caused")


def _decision(client, canvas: Canvas, run, kind: str | None) -> str:
    tags = run.data.tags
    node = f"run:{run.info.run_id}"
    decision = tags.get(names.DECISION, "triggered")
    trigger = tags.get(names.DECISION_TRIGGER) or kind
    _run_node(canvas, run, f"{decision} ({trigger})" if trigger else decision, decision=decision,
              trigger=trigger, key=tags.get(names.DECISION_KEY))
    cause = tags.get(names.DECISION_CAUSE)
    if trigger == "drift" and cause:
        alert = store.run_or_none(client, cause)
        if alert is not None:
            _run_node(canvas, alert, f"drift alert {alert.data.tags.get(names.MONITOR_DEPLOYMENT, '')}".strip())
            canvas.edge(f"run:{cause}", node, "caused")
    return node


def _run_node(canvas: Canvas, run, label: str, **fields) -> None:
    info = run.info
    canvas.node(f"run:{info.run_id}", "run", label, run_id=info.run_id, experiment_id=info.experiment_id,
                status=info.status, start_time=info.start_time, end_time=info.end_time, notebook=None,
                cell_id=None, **fields)


def _fingerprint(text: str | None) -> dict[str, str]:
    try:
        found = json.loads(text) if text else {}
    except ValueError:  # cut at the tag length limit
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}
