"""Every lifecycle decision as an MLflow run in the model's ``promotions/<name>`` experiment.

A decision run has ``mlops.kind=decision`` and ``mlops.decision`` (triggered, retrained,
gated, promoted, refused, rolled_back, failed), the model and alias, the alias move
(``from_version`` -> ``to_version``), ``forced`` (an alias move that did not pass the
gate), the trigger kind and dedupe key, and the run that caused it.  Its metrics are the
evidence in numbers (``champion.accuracy``, ``challenger.accuracy``, ``drift.feature.a``,
...); ``mlops/evidence.json`` holds all of it.  The decisions of one retraining are
nested under its ``triggered`` run.

``history(client, name)`` reads them back, newest first, as dicts (see ``Decision``).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

from .. import names, store

DECISIONS = ("triggered", "retrained", "gated", "promoted", "refused", "rolled_back", "failed")
MAX_BATCH = 1000  # entities (metrics, params and tags together) in one MLflow log_batch


@dataclass
class Decision:
    run_id: str
    decision: str
    model: str
    time: int  # ms
    alias: str | None = None
    from_version: str | None = None
    to_version: str | None = None
    forced: bool = False
    trigger: str | None = None
    key: str | None = None
    cause: str | None = None
    parent: str | None = None
    outcome: str | None = None
    policy: str | None = None
    metrics: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def record(client, model: str, decision: str, *, alias: str | None = None, from_version: str | None = None,
           to_version: str | None = None, forced: bool = False, trigger: str | None = None, key: str | None = None,
           cause: str | None = None, parent: str | None = None, outcome: str | None = None,
           policy: str | None = None, metrics: dict | None = None, evidence: dict | None = None) -> str:
    """Log one decision; returns its run id."""
    from mlflow.entities import Metric, RunTag

    assert decision in DECISIONS, decision
    experiment = store.experiment_id(client, names.PROMOTIONS_EXPERIMENT.format(name=model))
    tags = {names.KIND: names.KIND_DECISION, names.DECISION: decision, names.DECISION_MODEL: model,
            names.DECISION_FORCED: "true" if forced else "false"}
    for tag, value in ((names.DECISION_ALIAS, alias), (names.DECISION_FROM, from_version),
                       (names.DECISION_TO, to_version), (names.DECISION_TRIGGER, trigger),
                       (names.DECISION_KEY, key), (names.DECISION_CAUSE, cause), (names.PARENT_RUN, parent),
                       (names.DECISION_OUTCOME, outcome), (names.DECISION_POLICY, policy)):
        if value is not None:
            tags[tag] = str(value)[: names.MAX_TAG_VALUE]
    title = _title(decision, model, alias, from_version, to_version, forced)
    tags[names.RUN_NAME] = title
    # The run is made bare and its tags come in one batch with its figures: history() finds a
    # decision by its tags, and must never find one without its figures.
    run = client.create_run(experiment, run_name=title)
    now = int(time.time() * 1000)
    numbers = [Metric(k[: names.MLFLOW_MAX_KEY_LENGTH], float(v), now, 0) for k, v in (metrics or {}).items()
               if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v]
    client.log_batch(run.info.run_id, metrics=numbers[: MAX_BATCH - len(tags)],
                     tags=[RunTag(k, v) for k, v in tags.items()])
    client.log_text(run.info.run_id, json.dumps({"decision": decision, **tags, "metrics": metrics or {},
                                                 "evidence": evidence or {}}, default=str, indent=1),
                    names.ARTIFACT_EVIDENCE)
    client.set_terminated(run.info.run_id, "FAILED" if decision == "failed" else "FINISHED")
    return run.info.run_id


def _title(decision: str, model: str, alias, from_version, to_version, forced: bool) -> str:
    if decision in ("promoted", "rolled_back") and alias:
        return f"{decision} {model}@{alias} v{from_version or '-'} -> v{to_version}" + (" (forced)" if forced else "")
    if decision in ("gated", "refused") and to_version:
        return f"{decision} {model} v{to_version} vs v{from_version or '-'}"
    return f"{decision} {model}" + (f" v{to_version}" if to_version else "")


def history(client, model: str, limit: int = 100, decision: str | None = None) -> list[Decision]:
    """The model's decisions, newest first."""
    found = client.get_experiment_by_name(names.PROMOTIONS_EXPERIMENT.format(name=model))
    if found is None:
        return []
    clauses: list[store.Clause | str] = [store.equals(store.tag(names.KIND), names.KIND_DECISION)]
    if decision:
        clauses.append(store.equals(store.tag(names.DECISION), decision))
    runs = store.iter_runs(client, [found.experiment_id], *clauses, limit=limit,
                           order_by=["attributes.start_time DESC"])
    return [from_run(run) for run in runs]


def from_run(run) -> Decision:
    tags = run.data.tags
    return Decision(run_id=run.info.run_id, decision=tags.get(names.DECISION, ""),
                    model=tags.get(names.DECISION_MODEL, ""), time=run.info.start_time,
                    alias=tags.get(names.DECISION_ALIAS), from_version=tags.get(names.DECISION_FROM),
                    to_version=tags.get(names.DECISION_TO), forced=tags.get(names.DECISION_FORCED) == "true",
                    trigger=tags.get(names.DECISION_TRIGGER), key=tags.get(names.DECISION_KEY),
                    cause=tags.get(names.DECISION_CAUSE), parent=tags.get(names.PARENT_RUN),
                    outcome=tags.get(names.DECISION_OUTCOME), policy=tags.get(names.DECISION_POLICY),
                    metrics=dict(run.data.metrics))
