"""The lineage graph links a retrained version to the decision that triggered it and to the
data that caused it: triggers collected by core (a changed data file, a drift alert recorded
by monitoring's check), the ``triggered`` decision recorded by retrain.trigger, and a version
registered with the tags retrain.register writes."""

from __future__ import annotations

import json

from jupyter_mlops.core import names
from jupyter_mlops.core.lifecycle import data, triggers
from jupyter_mlops.core.lifecycle.ledger import Ledger
from jupyter_mlops.core.lifecycle.retrain import trigger as record_trigger
from jupyter_mlops.core.lineage.graph import lineage_graph
from mlops_testing import client

from .conftest import frame


def retrained(event: triggers.Event, triggered_run: str) -> str:
    """A version registered the way retrain.register tags it."""
    from sklearn.linear_model import LogisticRegression

    train = frame(100, 3)
    tags = {names.MODEL_TRIGGER_RUN: triggered_run, names.MODEL_TRIGGER: event.kind,
            names.MODEL_PIPELINE_RUN: "", names.MODEL_DATA_FINGERPRINT: json.dumps(event.fingerprint)}
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.models.registry import register_model

    return register_model(LogisticRegression().fit(train[["a", "b"]], train.y), "churn",
                          tracking_uri=resolve().tracking_uri, tags=tags, input_example=train[["a", "b"]].head(3),
                          reference=train[["a", "b"]]).version


def edges(graph: dict, kind: str) -> set[tuple[str, str]]:
    return {(e["source"], e["target"]) for e in graph["edges"] if e["kind"] == kind}


def test_a_data_triggered_version_links_to_its_decision_and_the_changed_file(policy, mlops_root):
    ledger = Ledger(mlops_root / ".mlops")
    assert triggers.collect(policy, client(), ledger) == []  # the first look records the fingerprint
    with open(mlops_root / "data" / "train.csv", "a") as changed:
        changed.write("0.5,0.5,1\n")
    [event] = triggers.collect(policy, client(), ledger)
    assert event.kind == "data"
    decision = record_trigger(client(), policy, event)
    version = retrained(event, decision)
    digest = data.file_digest(mlops_root / "data" / "train.csv")
    assert event.fingerprint == {"data/train.csv": digest}

    graph = lineage_graph(client(), model=f"churn/{version}")
    json.dumps(graph)
    nodes = {n["id"]: n for n in graph["nodes"]}
    node = f"model_version:churn/{version}"
    assert edges(graph, "triggered") == {(f"run:{decision}", node)}
    trigger = nodes[f"run:{decision}"]
    assert (trigger["kind"], trigger["decision"], trigger["trigger"], trigger["label"]) == \
        ("run", "triggered", "data", "triggered (data)")
    assert trigger["key"] == event.key and trigger["status"] == "FINISHED"
    assert edges(graph, "retrained_on") == {(f"dataset:{digest}", node)}
    assert edges(graph, "caused") == {(f"dataset:{digest}", f"run:{decision}")}
    dataset = nodes[f"dataset:{digest}"]
    assert (dataset["kind"], dataset["label"], dataset["path"]) == ("dataset", "data/train.csv", "data/train.csv")
    assert dataset["contract_failed"] is False

    # the whole model's graph holds it too; v1 and v2 were not retrained: no trigger for them
    whole = lineage_graph(client(), model="churn")
    assert edges(whole, "triggered") == {(f"run:{decision}", node)}
    # a version registered by hand has no retraining edges
    assert "retrained_on" not in {e["kind"] for e in lineage_graph(client(), model="churn/1")["edges"]}


def test_a_drift_triggered_version_links_to_the_monitoring_alert(policy, versions, mlops_root):
    from jupyter_mlops.core.monitoring.check import CheckResult, record_check

    ledger = Ledger(mlops_root / ".mlops")
    triggers.collect(policy, client(), ledger)
    rows = [{"feature": "a", "role": "feature", "statistic": "ks", "value": 0.4, "threshold": 0.1, "drifted": True}]
    record_check(client(), CheckResult(ref="churn@champion", name="churn", version=versions[0], port=5999,
                                       window="1000 rows", live_rows=1000, rows=rows, drifted=["a"], status="alert"))
    [event] = triggers.collect(policy, client(), ledger)
    assert event.kind == "drift" and event.cause
    decision = record_trigger(client(), policy, event)
    version = retrained(event, decision)

    graph = lineage_graph(client(), model=f"churn/{version}")
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes[f"run:{decision}"]["label"] == "triggered (drift)"
    alert = nodes[f"run:{event.cause}"]
    assert alert["kind"] == "run" and alert["label"] == "drift alert churn@champion"
    assert edges(graph, "caused") == {(f"run:{event.cause}", f"run:{decision}")}
    # drift caused it, not the data: the data is what it was retrained on
    [(source, target)] = edges(graph, "retrained_on")
    assert source.startswith("dataset:") and target == f"model_version:churn/{version}"
