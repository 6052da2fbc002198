"""GET deployments/{id}/monitoring and the server's scheduled drift check, over real HTTP,
with a real model served by %deploy (the kernel's magics in a real IPython shell) and the
Jupyter server extension on the same root."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
import requests

from jupyter_mlops.core.monitoring.status import RATE_WINDOW_SECONDS, parse_id
from mlops_testing import client, run, schema_keys

SETUP = (
    "import numpy as np, pandas as pd\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "rng = np.random.default_rng(0)\n"
    "raw = pd.DataFrame({'a': rng.normal(0, 1, 3000), 'b': rng.normal(5, 2, 3000),\n"
    "                    'plan': rng.choice([0, 1, 2, 3], 3000, p=[0.4, 0.3, 0.2, 0.1])})"
)
FEATURES = "%%track -q --name features\nX = raw[['a', 'b', 'plan']].copy()\ny = (raw.a + 0.2 * raw.b > 1).astype(int)"
FIT = "%%track -q --name fit\nmodel = LogisticRegression().fit(X, y)"
CHECK_EVERY = 1.0  # seconds: the scheduled check, shortened for the test


@pytest.fixture
def jp_root_dir(mlops_root):
    """The Jupyter server serves the root the IPython shell tracks into."""
    return mlops_root


@pytest.fixture
def jp_server_config():
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}, "allow_unauthenticated_access": False},
        "Monitoring": {"check_interval_seconds": CHECK_EVERY},
    }


@pytest.fixture
def deployed(ip):
    """churn@champion served by %deploy, fitted in %%track cells; stopped afterwards."""
    for source in (SETUP, FEATURES, FIT):
        result = run(ip, source)
        assert result.success, result.error_in_exec
    ip.run_line_magic("register", "model --name churn --alias champion")
    ip.run_line_magic("deploy", "churn@champion -q")
    from jupyter_mlops.core.models import deploy, serving

    [deployment] = deploy.deployments(client(), check_health=False)
    yield deployment
    for found in deploy.deployments(client(), check_health=False):
        serving.stop(found.pid, found.port)


def send_shifted(endpoint: str, n: int) -> int:
    """n rows with 'a' shifted by one sigma and 'plan' shares reversed, then a malformed body."""
    rng = np.random.default_rng(1)
    rows = np.column_stack([rng.normal(1.0, 1, n), rng.normal(5, 2, n),
                            rng.choice([0, 1, 2, 3], n, p=[0.1, 0.2, 0.3, 0.4])])
    with requests.Session() as session:
        for a, b, plan in rows:
            body = {"dataframe_split": {"columns": ["a", "b", "plan"], "data": [[a, b, int(plan)]]}}
            assert session.post(f"{endpoint}/invocations", json=body, timeout=30).status_code == 200
        bad = session.post(f"{endpoint}/invocations", data=b'{"dataframe_split": [', timeout=30,
                           headers={"content-type": "application/json"})
        assert bad.status_code == 400
    return n + 1


def mean_of(bins: list[dict], key: str) -> float:
    return sum((b["low"] + b["high"]) / 2 * b[key] for b in bins)


@pytest.mark.slow
async def test_scheduled_check_raises_an_alert_the_api_returns(deployed, api, jp_serverapp):
    from jupyter_mlops.server.monitoring import MONITORING_KEY

    schedule = jp_serverapp.web_app.settings[MONITORING_KEY]
    assert schedule.interval == CHECK_EVERY
    path = f"deployments/churn:{deployed.port}/monitoring"

    status, before = await api(path)
    assert status == 200, before
    assert before["requests"]["count"] == 0 and before["requests"]["latency_p50_ms"] is None
    assert before["features"] == [] or before["alert"]["status"] == "no_data"
    assert before["has_reference"] is True

    sent = await asyncio.to_thread(send_shifted, deployed.endpoint, 400)

    deadline = time.monotonic() + 90
    while True:  # the scheduled check, not a request, raises the alert
        status, reply = await api(path)
        settled = (reply["check"] or {}).get("live_rows") == sent - 1  # a pass after the last request
        if reply["alert"]["status"] == "alert" and settled or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert reply["alert"]["status"] == "alert", (reply, schedule.last_outcomes)
    assert schedule.passes >= 1

    # the figures and the contract
    assert set(reply) == schema_keys("DeploymentMonitoring")
    assert set(reply["requests"]) == schema_keys("RequestStats")
    assert set(reply["alert"]) == schema_keys("MonitoringAlert")
    assert reply["id"] == f"churn:{deployed.port}" and reply["ref"] == "churn@champion"
    stats = reply["requests"]
    assert (stats["count"], stats["errors"]) == (sent, 1)
    assert stats["rate_per_s"] == pytest.approx(sent / RATE_WINDOW_SECONDS)
    assert 0 < stats["latency_p50_ms"] <= stats["latency_p95_ms"]
    features = {f["feature"]: f for f in reply["features"]}
    assert set(features) == {"a", "b", "plan", "prediction"}
    assert all(set(f) == schema_keys("FeatureDrift") for f in reply["features"])
    drifted = {name for name, f in features.items() if f["drifted"]}
    assert {"a", "plan"} <= drifted and "b" not in drifted
    assert sorted(reply["alert"]["drifted"]) == sorted(drifted)
    assert features["a"]["value"] > features["a"]["threshold"] > 0
    assert features["b"]["p_value"] > features["a"]["p_value"]
    assert features["a"]["statistic"] == "ks" and features["plan"]["statistic"] == "jensen_shannon"

    # the alert is a run in monitoring/churn, as the lifecycle reads it
    alert_run = client().get_run(reply["alert"]["run_id"])
    assert alert_run.data.tags["mlops.monitor.status"] == "alert"
    assert alert_run.data.tags["mlops.monitor.deployment"] == "churn@champion"
    assert reply["check"]["run_id"] == reply["alert"]["run_id"]
    assert reply["check"]["live_rows"] == sent - 1

    # a drifted numeric feature: live and reference over the same bins, and where the reference came from
    status, detail = await api(path, feature="a")
    assert status == 200, detail
    dist = detail["distribution"]
    assert set(dist) == schema_keys("FeatureDistribution")
    assert dist["kind"] == "numeric" and len(dist["bins"]) == 20
    assert (dist["live_rows"], dist["reference_rows"]) == (sent - 1, 3000)
    assert sum(b["live"] for b in dist["bins"]) == pytest.approx(1.0)
    assert sum(b["reference"] for b in dist["bins"]) == pytest.approx(1.0, abs=1e-6)
    assert mean_of(dist["bins"], "live") - mean_of(dist["bins"], "reference") == pytest.approx(1.0, abs=0.25)
    source = detail["reference"]
    assert set(source) == schema_keys("ReferenceSource")
    fit_run = client().get_run(source["run_id"])
    assert fit_run.data.tags["mlflow.runName"] == "fit" and source["variable"] == "X"
    assert source["rows"] == 3000 and [d["name"] for d in source["datasets"]] == ["X"]
    assert source["cell_id"] == fit_run.data.tags.get("mlops.cell.id")

    # a categorical one: the reference's categories, shares as trained and as served
    status, detail = await api(path, feature="plan")
    bins = {b["label"]: b for b in detail["distribution"]["bins"]}
    assert list(bins)[:4] == ["0", "1", "2", "3"]
    assert bins["0"]["reference"] == pytest.approx(0.4, abs=0.03)
    assert bins["0"]["live"] == pytest.approx(0.1, abs=0.04)
    assert bins["3"]["live"] == pytest.approx(0.4, abs=0.06)

    # bad input
    status, error = await api(path, feature="nosuch")
    assert status == 400 and "nosuch" in error["message"] and "a, b, plan" in error["message"]
    status, error = await api(f"deployments/churn:{deployed.port + 1}/monitoring")
    assert (status, error["code"]) == (404, "unknown_deployment")
    assert f"churn:{deployed.port}" in error["message"]


async def test_unknown_and_malformed_deployment_ids(api, seeded):
    status, error = await api("deployments/nosuch:5001/monitoring")
    assert (status, error["code"]) == (404, "unknown_deployment") and "none" in error["message"]
    for bad in ("nosuch", "nosuch:port", "nosuch:70000", ":5001"):
        status, error = await api(f"deployments/{bad}/monitoring")
        assert (status, error["code"]) == (400, "invalid_parameter"), bad
        assert "NAME:PORT" in error["message"]


async def test_the_schedule_runs_on_its_own_and_zero_turns_it_off(jp_serverapp, api, seeded):
    from jupyter_mlops.core.monitoring.settings import Monitoring
    from jupyter_mlops.server.monitoring import MONITORING_KEY, MonitoringSchedule

    schedule = jp_serverapp.web_app.settings[MONITORING_KEY]
    assert schedule.interval == CHECK_EVERY and schedule.enabled  # from c.Monitoring (jp_server_config)
    assert Monitoring().check_interval_seconds == 300  # the default: every 5 minutes
    off = MonitoringSchedule("sqlite:///nowhere.db", Monitoring(check_interval_seconds=0))
    off.start(jp_serverapp.io_loop)
    assert not off.enabled and off._executor is None

    quick = MonitoringSchedule(schedule.tracking_uri, Monitoring(check_interval_seconds=0.2))
    quick.start(jp_serverapp.io_loop)
    try:
        deadline = time.monotonic() + 30
        while quick.passes < 2 and time.monotonic() < deadline:
            status, _ = await api("settings")  # the IO loop keeps answering meanwhile
            assert status == 200
            await asyncio.sleep(0.1)
        assert quick.passes >= 2 and quick.last_outcomes == []  # nothing deployed: nothing checked
    finally:
        quick.stop()
    passes = quick.passes
    await asyncio.sleep(0.6)
    assert quick.passes <= passes + 1  # stopped: at most the pass already running finishes


def test_parse_id():
    assert parse_id("churn:5001") == ("churn", 5001)
    assert parse_id("team:churn:5001") == ("team:churn", 5001)
