"""A deployment enforces the data contract of its training data, and caps request bodies:
%%track -> %contract -> %register -> %deploy --contract reject|log, over real HTTP."""

from __future__ import annotations

import json

import pytest
import requests
from IPython.core.error import UsageError
from prometheus_client.parser import text_string_to_metric_families

from mlops_testing import client


def metrics(endpoint: str) -> dict:
    text = requests.get(f"{endpoint}/metrics", timeout=10).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def post(endpoint: str, body: dict) -> requests.Response:
    return requests.post(f"{endpoint}/invocations", json=body, timeout=30)


def split(frame) -> dict:
    return {"dataframe_split": json.loads(frame.to_json(orient="split", index=False))}


def deployment():
    from jupyter_mlops.core.models.deploy import deployments

    [found] = deployments(client(), check_health=False)
    return found


@pytest.mark.slow
def test_deploy_rejects_logs_and_caps_requests(trained, servers, capsys):
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    X = ip.user_ns["X"]

    ip.run_line_magic("deploy", "churn@champion -q")  # no contract yet: off, and the output says so
    out = capsys.readouterr().out
    assert "requests are not validated (no contract found for v1's training data" in out
    assert post(deployment().endpoint, {"dataframe_records": [{"a": 99.0, "b": 5.0, "c": 1.0, "plan": 9}]}) \
        .status_code == 200

    ip.run_line_magic("contract", "X --name features")  # linked to the fingerprint of the data fit read
    with pytest.raises(UsageError, match="the mode before ':' must be one of reject, log, off"):
        ip.run_line_magic("deploy", "churn@champion -q --contract drop:features")
    with pytest.raises(UsageError, match=r"No contract 'nosuch' .*known: features"):
        ip.run_line_magic("deploy", "churn@champion -q --contract reject:nosuch")
    with pytest.raises(UsageError, match="--max-request-mb -1.0 is not a size"):
        ip.run_line_magic("deploy", "churn@champion -q --max-request-mb -1")
    assert requests.get(f"{deployment().endpoint}/ping", timeout=5).ok  # bad options stopped nothing

    capsys.readouterr()
    ip.run_line_magic("deploy", "churn@champion -q --contract reject --max-request-mb 0.05")
    out = capsys.readouterr().out
    assert "contract 'features' (linked by %contract to the training data's fingerprint) on a, b, c, plan" in out
    assert "get a 400 listing the violations" in out
    endpoint = deployment().endpoint

    good = post(endpoint, split(X.head(20)))
    assert good.status_code == 200, good.text
    assert good.json()["predictions"] == ip.user_ns["model"].predict(X.head(20)).tolist()
    # JSON has no dtypes or column order: integers in a float column, keys in any order pass
    assert post(endpoint, {"dataframe_records": [{"plan": 1, "c": 1, "b": 5, "a": 0}]}).status_code == 200

    bad = post(endpoint, {"dataframe_records": [{"a": 100.0, "b": 5.0, "c": 1.0, "plan": 7},
                                                {"a": 0.1, "b": 5.0, "c": 1.0, "plan": 1}]})
    assert bad.status_code == 400
    body = bad.json()
    assert body["error_code"] == "CONTRACT_VIOLATION" and body["contract"] == "features" and body["rows"] == 2
    found = {(v["check"], v["column"]): v for v in body["violations"]}
    assert set(found) == {("range", "a"), ("range", "plan")}
    assert found[("range", "a")]["examples"] == [100.0] and found[("range", "plan")]["examples"] == [7]
    assert "[range] column 'a' has 1 values outside" in body["message"]
    missing = post(endpoint, {"dataframe_split": {"columns": ["a", "b", "c"], "data": [[0.1, 5.0, 1.0]]}})
    assert missing.status_code == 400
    assert [(v["check"], v["column"]) for v in missing.json()["violations"]] == [("missing_column", "plan")]
    wrong_type = post(endpoint, {"dataframe_records": [{"a": "high", "b": 5.0, "c": 1.0, "plan": 1}]})
    assert [v["check"] for v in wrong_type.json()["violations"]] == ["dtype"]

    big = X.sample(2000, replace=True, random_state=1)  # ~120 KB of JSON, over 0.05 MB
    too_large = post(endpoint, split(big))
    assert too_large.status_code == 413
    assert too_large.json()["error_code"] == "REQUEST_TOO_LARGE" and "--max-request-mb" in too_large.json()["message"]
    chunks = (json.dumps(split(big)).encode()[i:i + 8192] for i in range(0, 130_000, 8192))  # no content-length
    streamed = requests.post(f"{endpoint}/invocations", data=chunks, timeout=30,
                             headers={"content-type": "application/json"})
    assert streamed.status_code == 413

    found = metrics(endpoint)
    assert found[("mlops_contract_requests_total", (("contract", "features"), ("result", "passed")))] == 2
    assert found[("mlops_contract_requests_total", (("contract", "features"), ("result", "rejected")))] == 3
    assert found[("mlops_contract_violations_total", (("check", "range"), ("column", "a"),
                                                      ("contract", "features")))] == 1
    assert found[("mlops_contract_violations_total", (("check", "missing_column"), ("column", "plan"),
                                                      ("contract", "features")))] == 1
    assert found[("mlops_contract_info", (("contract", "features"), ("mode", "reject")))] == 1
    assert found[("http_requests_total", (("handler", "/invocations"), ("method", "POST"), ("status", "413")))] == 2
    assert found[("http_request_too_large_total", ())] == 2

    capsys.readouterr()
    ip.run_line_magic("deploy", "churn@champion -q --contract log")
    assert "are served, and the violations logged and counted" in capsys.readouterr().out
    endpoint = deployment().endpoint
    served = post(endpoint, {"dataframe_records": [{"a": 100.0, "b": 5.0, "c": 1.0, "plan": 2}]})
    assert served.status_code == 200
    assert post(endpoint, split(X.head(3))).status_code == 200
    found = metrics(endpoint)
    assert found[("mlops_contract_requests_total", (("contract", "features"), ("result", "violated")))] == 1
    assert found[("mlops_contract_requests_total", (("contract", "features"), ("result", "passed")))] == 1

    from jupyter_mlops.core.monitoring.predlog import read_records
    from jupyter_mlops.core.monitoring.settings import predictions_dir

    records = read_records(predictions_dir(deployment().log))
    assert records[-2]["contract"]["violations"] == [{"check": "range", "column": "a", "count": 1,
                                                      "examples": [100.0]}]
    assert "contract" not in records[-1]
    table = ip.run_line_magic("predictions", "churn@champion")
    assert table["contract"].iloc[-4] == "range:a" and table["contract"].iloc[-3:].isna().all()

    # a rollover to another version (a promotion moves the alias) serves as %deploy was told
    ip.run_line_magic("deploy", "churn@champion -q --contract reject --no-log --max-request-mb 0.05")
    ip.run_line_magic("register", "model --name churn")
    client().set_registered_model_alias("churn", "champion", "2")
    from jupyter_mlops.core.lifecycle.endpoint import rollover

    assert rollover("churn", "champion")["mode"] == "restarted"
    moved = deployment()
    assert moved.version == "2" and moved.options["contract"] == "reject" and moved.options["log"] is False
    assert moved.options["max_request_mb"] == 0.05
    rejected = post(moved.endpoint, {"dataframe_records": [{"a": 100.0, "b": 5.0, "c": 1.0, "plan": 2}]})
    assert rejected.status_code == 400 and rejected.json()["contract"] == "features"
    assert post(moved.endpoint, split(big)).status_code == 413
