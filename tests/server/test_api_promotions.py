"""GET models/{name}/promotions over real HTTP: decisions recorded through core's audit
functions, a drift alert recorded by monitoring's check as a pending trigger, and a 404."""

from __future__ import annotations

import pytest

from mlops_testing import schema_keys  # noqa: E402 - one copy of the contract helpers

POLICY = """\
model: churn
triggers:
  drift: true
retrain:
  notebook: train.ipynb
gate:
  holdout: data/holdout.csv
  target: y
  metric: accuracy
"""


@pytest.fixture
def churn(mlflow_client, settings):
    """``churn`` v1 (@champion) and v2, a policy beside the notebook, and three decisions:
    a drift trigger, a failed gate and a forced promotion of v2."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from jupyter_mlops.core.lifecycle import audit
    from jupyter_mlops.core.models.registry import register_model

    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    model = LogisticRegression().fit(X, np.arange(20) % 2)
    for aliases in (["champion"], []):
        register_model(model, "churn", tracking_uri=settings.tracking_uri, aliases=aliases, input_example=X.head(3))
    root = settings.root
    (root / "policies").mkdir()
    (root / "policies" / "churn.yaml").write_text(POLICY)
    (root / "train.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    (root / "data").mkdir()
    X.assign(y=np.arange(20) % 2).to_csv(root / "data" / "holdout.csv", index=False)
    triggered = audit.record(mlflow_client, "churn", "triggered", alias="champion", trigger="drift",
                             key="drift:v1", policy="policies/churn.yaml", metrics={"drift.feature.a": 0.4})
    audit.record(mlflow_client, "churn", "gated", alias="champion", from_version="1", to_version="2",
                 outcome="failed", parent=triggered, metrics={"champion.accuracy": 0.9, "challenger.accuracy": 0.5})
    audit.record(mlflow_client, "churn", "promoted", alias="champion", from_version="1", to_version="2",
                 forced=True, parent=triggered)
    return triggered


def drift_alert(client, version: str) -> None:
    from jupyter_mlops.core.monitoring.check import CheckResult, record_check

    rows = [{"feature": "a", "role": "feature", "statistic": "ks", "value": 0.4, "threshold": 0.1, "drifted": True}]
    record_check(client, CheckResult(ref="churn@champion", name="churn", version=version, port=5999,
                                     window="1000 rows", live_rows=1000, rows=rows, drifted=["a"], status="alert"))


async def test_history_newest_first_with_the_alias_moves(api, churn):
    status, body = await api("models/churn/promotions")
    assert status == 200, body
    assert set(body) == schema_keys("PromotionStatus")
    assert body["model"] == "churn" and body["policy"] == "policies/churn.yaml" and body["policy_error"] is None
    assert body["aliases"] == {"champion": "1"}
    assert [d["decision"] for d in body["history"]] == ["promoted", "gated", "triggered"]
    promoted, gated, triggered = body["history"]
    assert set(promoted) == schema_keys("Decision")
    assert (promoted["from_version"], promoted["to_version"], promoted["forced"]) == ("1", "2", True)
    assert promoted["parent"] == triggered["run_id"] == churn
    assert gated["outcome"] == "failed" and gated["metrics"] == {"champion.accuracy": 0.9, "challenger.accuracy": 0.5}
    assert triggered["trigger"] == "drift" and triggered["forced"] is False
    assert promoted["time"] >= gated["time"] >= triggered["time"] > 0
    assert body["pending"] == [] and body["running"] == []

    status, body = await api("models/churn/promotions", limit="1")
    assert status == 200 and [d["decision"] for d in body["history"]] == ["promoted"]


async def test_a_drift_alert_is_a_pending_trigger_until_the_watcher_acts(api, churn, mlflow_client, settings):
    from jupyter_mlops.core.lifecycle.ledger import Ledger

    drift_alert(mlflow_client, "1")
    status, body = await api("models/churn/promotions")
    assert status == 200, body
    [pending] = body["pending"]
    assert set(pending) == schema_keys("PendingTrigger")
    assert (pending["kind"], pending["key"], pending["duplicate"]) == ("drift", "drift:v1", False)
    assert pending["cause"] and pending["evidence"]["drifted"] == ["a"]
    # asking again does not consume it (the watcher's cursors did not move)
    _, again = await api("models/churn/promotions")
    assert [p["key"] for p in again["pending"]] == ["drift:v1"]
    # once its key started a retraining, it is a duplicate, and the retraining is running
    ledger = Ledger(settings.state_dir)
    assert ledger.claim("churn", "drift:v1", "drift")
    _, claimed = await api("models/churn/promotions")
    assert claimed["pending"][0]["duplicate"] is True
    [running] = claimed["running"]
    assert set(running) == schema_keys("RunningRetraining") and running["key"] == "drift:v1"


async def test_unknown_model_and_bad_limit(api, mlflow_client):
    status, body = await api("models/no-such-model/promotions")
    assert status == 404 and body["code"] == "model_not_found" and "no-such-model" in body["message"]
    mlflow_client.create_registered_model("fresh")
    status, body = await api("models/fresh/promotions")
    assert status == 200 and body["history"] == [] and body["pending"] == [] and body["policy"] is None
    status, body = await api("models/fresh/promotions", limit="0")
    assert status == 400 and body["code"] == "invalid_parameter"
