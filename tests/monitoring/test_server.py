"""The monitored scoring server over HTTP: MLflow's contract, the prediction log, /metrics."""

from __future__ import annotations

import json

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from mlops_testing import client


def post(endpoint: str, frame) -> requests.Response:
    return requests.post(f"{endpoint}/invocations", json={"dataframe_split": frame.to_dict(orient="split")},
                         timeout=30)


def samples(endpoint: str) -> dict:
    text = requests.get(f"{endpoint}/metrics", timeout=10).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.mark.slow
def test_served_requests_are_logged_counted_and_profiled(trained, servers):
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    version = client().get_model_version("churn", "1")
    assert version.tags["mlops.monitor.profile"] == "mlops/reference_profile.json"
    ip.run_line_magic("deploy", "churn@champion -q")
    row = ip.run_line_magic("deployments", "").iloc[0]
    X = ip.user_ns["X"]
    for start in range(0, 50, 10):
        answer = post(row.endpoint, X.iloc[start:start + 10])
        assert answer.status_code == 200
        assert answer.json()["predictions"] == ip.user_ns["model"].predict(X.iloc[start:start + 10]).tolist()
    bad = requests.post(f"{row.endpoint}/invocations", data=b"{not json", timeout=30,
                        headers={"content-type": "application/json"})
    assert bad.status_code == 400
    found = samples(row.endpoint)
    ok = ("http_requests_total", (("handler", "/invocations"), ("method", "POST"), ("status", "200")))
    failed = ("http_requests_total", (("handler", "/invocations"), ("method", "POST"), ("status", "400")))
    assert found[ok] == 5 and found[failed] == 1
    assert found[("http_request_duration_seconds_count", (("handler", "/invocations"),))] == 6
    classes = {k[1][0][1]: v for k, v in found.items() if k[0] == "model_predictions_total"}
    assert sum(classes.values()) == 50 and set(classes) <= {"0", "1"}
    assert found[("model_info", (("name", "churn"), ("version", "1")))] == 1

    from jupyter_mlops.core.models.deploy import deployments
    from jupyter_mlops.core.monitoring.predlog import read_records
    from jupyter_mlops.core.monitoring.settings import predictions_dir

    [deployment] = deployments(client(), check_health=False)
    records = read_records(predictions_dir(deployment.log))
    assert [r["status"] for r in records] == [200] * 5 + [400]
    assert records[0]["in"] == json.loads(json.dumps({"dataframe_split": X.iloc[:10].to_dict(orient="split")}))
    assert all(r["version"] == "1" and r["ms"] > 0 for r in records)


@pytest.mark.slow
def test_no_log_serves_without_a_log(trained, servers):
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    ip.run_line_magic("deploy", "churn@champion -q --no-log")
    row = ip.run_line_magic("deployments", "").iloc[0]
    assert post(row.endpoint, ip.user_ns["X"].head(3)).status_code == 200
    from jupyter_mlops.core.models.deploy import deployments
    from jupyter_mlops.core.monitoring.predlog import segments
    from jupyter_mlops.core.monitoring.settings import predictions_dir

    [deployment] = deployments(client(), check_health=False)
    assert segments(predictions_dir(deployment.log)) == []
    assert ("http_requests_total", (("handler", "/invocations"), ("method", "POST"), ("status", "200"))) \
        in samples(row.endpoint)
