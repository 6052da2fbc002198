"""The lineage graph links each deployment to its latest drift check and its latest alert."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import requests

from jupyter_mlops.core.lineage.graph import lineage_graph
from mlops_testing import client


@pytest.mark.slow
def test_lineage_draws_the_deployments_latest_check_and_alert(trained, servers):
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    ip.run_line_magic("deploy", "churn@champion -q")
    graph = lineage_graph(client(), model="churn")
    assert not [e for e in graph["edges"] if e["kind"] == "monitored"]  # no check yet

    from jupyter_mlops.core.models.deploy import deployments

    [deployment] = deployments(client(), check_health=False)
    rng = np.random.default_rng(1)  # 'a' and 'plan' shifted from the training data (conftest.SETUP)
    shifted = pd.DataFrame({"a": rng.normal(1.0, 1, 600), "b": rng.normal(5, 2, 600), "c": rng.exponential(1, 600),
                            "plan": rng.choice([0, 1, 2, 3], 600, p=[0.1, 0.2, 0.3, 0.4])})
    for start in range(0, 600, 200):
        part = shifted.iloc[start:start + 200]
        answer = requests.post(f"{deployment.endpoint}/invocations", timeout=30,
                               json={"dataframe_split": part.to_dict(orient="split")})
        assert answer.status_code == 200

    first = ip.run_line_magic("monitor", "churn@champion")
    drifted = list(first[first.drifted].feature)
    assert {"a", "plan"} <= set(drifted)
    calm = " ".join(f"--threshold {name}=2" for name in drifted)  # no statistic reaches 2: this check is ok
    second = ip.run_line_magic("monitor", f"churn@champion {calm}")
    assert not second.drifted.any()

    graph = lineage_graph(client(), model="churn")
    node = f"deployment:churn:{deployment.port}"
    linked = {e["target"] for e in graph["edges"] if e["kind"] == "monitored" and e["source"] == node}
    checks = {n["id"]: n for n in graph["nodes"] if n["id"] in linked}
    assert sorted((n["monitor"], n["label"]) for n in checks.values()) == [("alert", "drift alert"),
                                                                           ("ok", "drift check ok")]
    alert = next(n for n in checks.values() if n["monitor"] == "alert")
    assert set(alert["drifted"]) == set(drifted) and alert["version"] == "1" and alert["kind"] == "run"
    ok = next(n for n in checks.values() if n["monitor"] == "ok")
    assert ok["start_time"] >= alert["start_time"]
    assert client().get_run(ok["run_id"]).data.tags["mlops.monitor.deployment"] == "churn@champion"

    ip.run_line_magic("monitor", "churn@champion")  # the newest check is an alert again: one node
    graph = lineage_graph(client(), model="churn")
    linked = [e["target"] for e in graph["edges"] if e["kind"] == "monitored"]
    assert len(linked) == 1
    assert next(n for n in graph["nodes"] if n["id"] == linked[0])["monitor"] == "alert"
