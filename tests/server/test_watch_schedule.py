"""The server extension runs the lifecycle watcher when c.Lifecycle.watch_interval_seconds
is set: a drift alert recorded by monitoring's check becomes a ``triggered`` decision
(seen over real HTTP in GET models/{name}/promotions) without a request asking for it."""

from __future__ import annotations

import asyncio
import time

import pytest

from jupyter_mlops.server.watch_schedule import WATCH_KEY

from .test_api_promotions import POLICY, drift_alert


@pytest.fixture
def jp_server_config():
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}, "allow_unauthenticated_access": False},
        "Lifecycle": {"watch_interval_seconds": 0.5},
    }


@pytest.fixture
def churn_policy(mlflow_client, settings):
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from jupyter_mlops.core.models.registry import register_model

    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    register_model(LogisticRegression().fit(X, np.arange(20) % 2), "churn", tracking_uri=settings.tracking_uri,
                   aliases=["champion"], input_example=X.head(3))
    root = settings.root
    (root / "policies").mkdir()
    (root / "policies" / "churn.yaml").write_text(POLICY)
    (root / "train.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    (root / "data").mkdir()
    X.assign(y=np.arange(20) % 2).to_csv(root / "data" / "holdout.csv", index=False)


@pytest.mark.slow
async def test_a_drift_alert_starts_a_retraining_on_the_servers_schedule(jp_serverapp, api, churn_policy,
                                                                        mlflow_client):
    watch = jp_serverapp.web_app.settings[WATCH_KEY]
    assert watch.enabled and watch.interval == 0.5
    drift_alert(mlflow_client, "1")
    deadline = time.monotonic() + 60
    decisions: list[str] = []
    while "triggered" not in decisions and time.monotonic() < deadline:
        await asyncio.sleep(0.5)  # the IO loop stays free: requests are answered meanwhile
        status, body = await api("models/churn/promotions")
        assert status == 200, body
        decisions = [d["decision"] for d in body["history"]]
    assert "triggered" in decisions, decisions
    [started] = watch.started
    assert (started["model"], started["trigger"], started["key"]) == ("churn", "drift", "drift:v1")
    assert watch.watcher.wait(120)
    # the retraining ran (the empty notebook has no steps: it failed, audited under the trigger)
    _, body = await api("models/churn/promotions")
    triggered = next(d for d in body["history"] if d["decision"] == "triggered")
    assert triggered["run_id"] == started["triggered_run"] and triggered["trigger"] == "drift"
    assert body["pending"] == [] and body["running"] == []
    watch.stop()


async def test_the_watcher_is_off_by_default(jp_serverapp):
    # (this module's config turns it on; the default comes from the class)
    from jupyter_mlops.server.watch_schedule import Lifecycle, WatchSchedule

    assert Lifecycle().watch_interval_seconds == 0
    schedule = WatchSchedule(None, "sqlite://", None, Lifecycle())
    schedule.start()
    assert not schedule.enabled and schedule.watcher is None
