"""Monitoring end to end: %%track -> %register -> %deploy -> 2,000 HTTP requests with two
features shifted -> %monitor flags exactly those two -> /metrics -> alerts with a webhook
-> SIGKILL mid-stream loses no answered request."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest
import requests
from IPython.core.error import UsageError
from prometheus_client.parser import text_string_to_metric_families

from mlops_testing import client, run


def live_rows(n: int, seed: int = 1):
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(1.0, 1, n), "b": rng.normal(5, 2, n), "c": rng.exponential(1, n),
                         "plan": rng.choice([0, 1, 2, 3], n, p=[0.1, 0.2, 0.3, 0.4])})


def send(session: requests.Session, endpoint: str, row: dict) -> requests.Response:
    return session.post(f"{endpoint}/invocations", timeout=30,
                        json={"dataframe_split": {"columns": list(row), "data": [list(row.values())]}})


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that fails its first POST (503), then accepts."""

    bodies: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["content-length"])
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(503 if len(type(self).bodies) == 1 else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.slow
def test_monitoring_end_to_end(trained, servers, capsys, mlops_root):
    ip = trained
    ip.config.Monitoring.drift_interval_seconds = 1.0
    ip.run_line_magic("register", "model --name churn --alias champion")
    ip.run_line_magic("deploy", "churn@champion -q")
    from jupyter_mlops.core.models.deploy import deployments

    [deployment] = deployments(client(), check_health=False)
    endpoint = deployment.endpoint

    with pytest.raises(UsageError, match="no deployment of 'nosuch@champion'.*churn@champion"):
        ip.run_line_magic("monitor", "nosuch@champion")
    with pytest.raises(UsageError, match="neither a number of rows"):
        ip.run_line_magic("monitor", "churn@champion --window 1x")
    with pytest.raises(UsageError, match="FEATURE=VALUE"):
        ip.run_line_magic("monitor", "churn@champion --threshold a")
    assert ip.run_line_magic("monitor", "churn@champion --no-record").empty  # nothing logged yet

    shifted = live_rows(2000)
    with requests.Session() as session:
        for row in shifted.to_dict(orient="records"):
            assert send(session, endpoint, row).status_code == 200
        assert session.post(f"{endpoint}/invocations", data=b'{"dataframe_split": [', timeout=30,
                            headers={"content-type": "application/json"}).status_code == 400

    capsys.readouterr()
    table = ip.run_line_magic("monitor", "churn@champion")
    features = table[table.role == "feature"]
    assert set(features[features.drifted].feature) == {"a", "plan"}, table
    assert list(features.feature) == ["a", "b", "c", "plan"] and (table.live_rows == 2000).all()
    assert dict(zip(features.feature, features.statistic, strict=True)) == {
        "a": "ks", "b": "ks", "c": "ks", "plan": "jensen_shannon"}
    assert "2 of 5 columns drifted" in capsys.readouterr().out or table.drifted.sum() == 3  # the prediction too
    check_run = client().search_runs([client().get_experiment_by_name("monitoring/churn").experiment_id])[0]
    assert check_run.data.tags["mlops.monitor.deployment"] == "churn@champion"
    assert check_run.data.tags["mlops.kind"] == "monitor" and check_run.data.tags["mlops.monitor.status"] == "alert"
    assert {"drift.feature.a", "drift.feature.b", "drift.feature.c", "drift.feature.plan", "drift.prediction",
            "live_rows"} <= set(check_run.data.metrics)
    status = json.loads(client().get_model_version("churn", "1").tags[f"mlops.monitor.status.{deployment.port}"])
    assert status["status"] == "alert" and status["run_id"] == check_run.info.run_id
    # a threshold given for this check wins
    relaxed = ip.run_line_magic("monitor", "churn@champion --no-record --threshold a=0.9 --window 1h")
    assert not relaxed.set_index("feature").loc["a", "drifted"]

    # the predictions, as logged
    logged = ip.run_line_magic("predictions", "churn@champion -n 5")
    assert list(logged.columns) == ["time", "request", "version", "status", "latency_ms", "a", "b", "c", "plan",
                                    "prediction"]
    assert logged[["a", "b", "c", "plan"]].values.tolist() == shifted.tail(5).values.tolist()
    assert len(ip.run_line_magic("predictions", "churn@champion --since 1h")) == 2000
    assert len(ip.run_line_magic("predictions", "churn@champion --errors")) == 2001

    # /metrics, in Prometheus' own parser: counts by status, latency, predictions, drift gauges
    deadline = time.monotonic() + 30
    while True:
        families = {f.name: f for f in text_string_to_metric_families(requests.get(f"{endpoint}/metrics").text)}
        if "model_feature_drift" in families and families["model_feature_drift"].samples or \
                time.monotonic() > deadline:
            break
        time.sleep(0.5)
    counts = {s.labels["status"]: s.value for s in families["http_requests"].samples if s.name.endswith("_total")}
    assert counts == {"200": 2000.0, "400": 1.0}
    assert families["http_request_duration_seconds"].type == "histogram"
    assert sum(s.value for s in families["model_predictions"].samples if s.name.endswith("_total")) == 2000
    gauges = {s.labels["feature"]: s.value for s in families["model_feature_drift"].samples}
    assert set(gauges) == {"a", "b", "c", "plan", "prediction"} and gauges["a"] > gauges["b"]

    # the scheduled check: an alert run and a webhook POST, retried once after a 503
    from jupyter_mlops.core.monitoring.alerts import check_all

    Receiver.bodies = []
    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        [outcome] = check_all(client(), webhook_url=f"http://127.0.0.1:{receiver.server_port}/hook",
                              sleep=lambda s: None)
    finally:
        receiver.shutdown()
    assert (outcome.status, outcome.webhook, sorted(outcome.drifted)) == ("alert", "sent", ["a", "plan", "prediction"])
    assert len(Receiver.bodies) == 2 and Receiver.bodies[1]["run_id"] == outcome.run_id
    assert Receiver.bodies[1]["ref"] == "churn@champion"

    # the CLI runs the same check: exit 2 when something drifted
    from jupyter_mlops.cli import main

    assert main(["monitor", "churn@champion", "--no-record"]) == 2
    calm = mlops_root / "calm_config.py"  # the c.Monitoring settings of a config file apply
    calm.write_text("c.Monitoring.feature_thresholds = {'churn': {'a': 1e9, 'plan': 1e9, 'prediction': 1e9}}\n")
    assert main(["monitor", "churn@champion", "--no-record", "--config", str(calm)]) == 0
    broken = mlops_root / "broken_config.py"
    broken.write_text("c.Monitoring.alpha = (\n")
    assert main(["monitor", "churn@champion", "--no-record", "--config", str(broken)]) == 1
    assert "--config" in capsys.readouterr().err

    # SIGKILL mid-stream: every answered request is in the log
    answered: list[float] = []
    stop = threading.Event()

    def stream():
        with requests.Session() as session:
            for number in range(100_000):
                if stop.is_set():
                    return
                try:
                    if send(session, endpoint, {"a": 0.0, "b": 10_000.0 + number, "c": 1.0, "plan": 1}).ok:
                        answered.append(10_000.0 + number)
                except requests.RequestException:
                    return

    sender = threading.Thread(target=stream)
    sender.start()
    while len(answered) < 300:
        time.sleep(0.01)
    os.killpg(deployment.pid, signal.SIGKILL)
    sender.join(timeout=60)
    stop.set()
    logged_b = set(ip.run_line_magic("predictions", "churn@champion").b)
    assert len(answered) >= 300 and set(answered) <= logged_b


@pytest.mark.slow
def test_a_version_without_reference_data_says_to_use_reference(trained, servers):
    ip = trained
    run(ip, "untracked = LogisticRegression().fit(X, y)")  # fitted outside %%track: no lineage, no data
    ip.run_line_magic("register", "untracked --name bare --alias live --example X")
    assert "mlops.monitor.profile" not in client().get_model_version("bare", "1").tags
    ip.run_line_magic("deploy", "bare@live -q")
    with pytest.raises(UsageError, match="bare v1 has no reference profile.*--reference VAR"):
        ip.run_line_magic("monitor", "bare@live")
    with pytest.raises(UsageError, match="--reference nosuch"):
        ip.run_line_magic("register", "untracked --name bare --reference nosuch")
    ip.run_line_magic("register", "untracked --name bare --alias live --reference X")
    assert client().get_model_version("bare", "2").tags["mlops.monitor.profile"] == "mlops/reference_profile.json"
