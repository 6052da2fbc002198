"""The whole loop, in one test: deploy v1 from a notebook behind a stable endpoint, shifted
traffic, a drift alert from monitoring, retraining started by the watcher from the
notebook's exported pipeline, v2 registered with lineage to the trigger and the new data,
the gate passes and the alias moves, the endpoint serves v2 with no failed request, then
`%rollback` serves v1 again, again with no failed request."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pandas as pd
import pytest
import requests

from jupyter_mlops.core import lifecycle, names
from jupyter_mlops.core.lifecycle import audit
from jupyter_mlops.core.lifecycle.data import fingerprint as data_fingerprint
from mlops_testing import client, run

CELLS = [
    "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression",
    "%%track --name features\ndata = pd.read_csv('data/train.csv')\nX = data[['a', 'b']]\ny = data['y']",
    "%%track --name fit -m accuracy\nmodel = LogisticRegression().fit(X, y)\naccuracy = float(model.score(X, y))",
]
POLICY = """\
model: churn
triggers:
  drift: true
  data: [data/train.csv]
retrain:
  notebook: train.ipynb
  model: model
  reference: X
gate:
  holdout: data/holdout.csv
  target: y
  metric: accuracy
  min_improvement: 0.05
  require: "metrics.accuracy >= 0.8"
"""
PROBE = {"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 0.0]]}}  # v1 says 1, v2 (threshold 2) 0


def world(n: int, seed: int, centre: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"a": rng.normal(centre, 1, n), "b": rng.normal(0, 1, n)})
    data["y"] = (data.a + 0.5 * data.b > centre).astype(int)
    return data


def notebook(cells: list[str]) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": source,
                                  "outputs": [], "execution_count": i + 1} for i, source in enumerate(cells)],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.mark.slow
def test_the_whole_loop(ip, mlops_root, servers, load_client, capsys):
    (mlops_root / "data").mkdir()
    world(600, 0, 0.0).to_csv(mlops_root / "data" / "train.csv", index=False)
    world(400, 1, 2.0).to_csv(mlops_root / "data" / "holdout.csv", index=False)  # the world after the shift
    (mlops_root / "train.ipynb").write_text(notebook(CELLS))
    (mlops_root / "policies").mkdir()
    (mlops_root / "policies" / "churn.yaml").write_text(POLICY)

    # 1. v1 from the notebook, deployed behind a stable endpoint
    for source in CELLS:
        assert run(ip, source).success
    ip.run_line_magic("register", "model --name churn --alias champion")
    ip.run_line_magic("deploy", "churn@champion -q")
    ip.run_line_magic("endpoint", "churn@champion")
    stable = lifecycle.endpoint_of(client(), "churn", "champion")
    watcher = lifecycle.Watcher()
    assert watcher.tick() == []  # the data's fingerprint, as it is now

    # 2-3. shifted traffic, new data, and monitoring's scheduled check raises an alert
    shifted = world(600, 2, 2.0)
    with requests.Session() as session:
        for row in shifted[["a", "b"]].to_dict(orient="records"):
            answer = session.post(f"{stable.url}/invocations", timeout=30,
                                  json={"dataframe_split": {"columns": ["a", "b"], "data": [[row["a"], row["b"]]]}})
            assert answer.status_code == 200
    world(600, 3, 2.0).to_csv(mlops_root / "data" / "train.csv", index=False)
    from jupyter_mlops.core.monitoring.alerts import check_all

    [checked] = check_all(client())
    assert checked.status == "alert" and "a" in checked.drifted

    # 4-7. the watcher retrains by itself, the gate passes, the endpoint rolls over under load
    load = load_client(stable.url, body=PROBE)
    stop = threading.Event()
    loop = threading.Thread(target=watcher.run, args=(stop, 0.5))
    with load:
        load_probe(load)
        loop.start()
        try:
            deadline = time.monotonic() + 600
            while not watcher.outcomes and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            stop.set()
            loop.join(60)
        time.sleep(0.5)
    assert load.failures == [], load.failures[:5]
    [outcome] = watcher.outcomes
    assert outcome.decision == "promoted", outcome
    assert (outcome.version, outcome.champion) == ("2", "1") and outcome.rollover["mode"] == "switched"
    assert outcome.gate["challenger"]["accuracy"] >= 0.9 > outcome.gate["champion"]["accuracy"]
    assert load.answers[0] == 1 and load.answers[-1] == 0  # v1, then v2, at the same address
    # the alert and the new data are one event: the same data fingerprint, one retraining
    assert watcher.duplicates == 1 and len(audit.history(client(), "churn", decision="triggered")) == 1

    # lineage: v2 links to the trigger, the alert, the pipeline run and the new data
    v2 = client().get_model_version("churn", "2")
    [triggered] = audit.history(client(), "churn", decision="triggered")
    assert v2.tags[names.MODEL_TRIGGER_RUN] == triggered.run_id and triggered.cause == checked.run_id
    fingerprint = json.loads(v2.tags[names.MODEL_DATA_FINGERPRINT])
    assert fingerprint == data_fingerprint([mlops_root / "data" / "train.csv"], mlops_root)
    pipeline_run = client().get_run(v2.tags[names.MODEL_PIPELINE_RUN])
    assert pipeline_run.data.tags[names.KIND] == names.KIND_PIPELINE
    assert json.loads(v2.tags[names.MODEL_DATASETS])  # the frames the pipeline step read
    decisions = [d.decision for d in audit.history(client(), "churn")]
    assert decisions == ["promoted", "gated", "retrained", "triggered"]
    promoted = audit.history(client(), "churn", decision="promoted")[0]
    assert (promoted.from_version, promoted.to_version, promoted.forced) == ("1", "2", False)
    assert promoted.metrics["challenger.accuracy"] > promoted.metrics["champion.accuracy"]

    # 8. roll back to v1 under load
    with load_client(stable.url, body=PROBE) as back:
        load_probe(back)
        ip.run_line_magic("rollback", "churn@champion")
        deadline = time.monotonic() + 10
        while back.answers[-1] != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert back.failures == [] and back.answers[0] == 0 and back.answers[-1] == 1
    assert str(client().get_registered_model("churn").aliases["champion"]) == "1"
    rolled = audit.history(client(), "churn")[0]
    assert (rolled.decision, rolled.from_version, rolled.to_version) == ("rolled_back", "2", "1")
    assert rolled.metrics["alias_move_seconds"] < 1.0

    # 9. the policy by hand, from the command line
    retrain_by_hand_after(mlops_root, capsys)


def load_probe(load) -> None:
    """Wait for the client's first answer."""
    deadline = time.monotonic() + 30
    while not load.answers and time.monotonic() < deadline:
        time.sleep(0.05)


def retrain_by_hand_after(mlops_root, capsys) -> None:
    """`jupyter-mlops retrain churn` on the same data: the pipeline's steps are cache hits, the
    model is read from the run they reuse, and v3 (as good as v2) beats the rolled-back v1."""
    from jupyter_mlops.cli import main

    capsys.readouterr()
    assert main(["retrain", "churn"]) == 0
    out = capsys.readouterr().out
    assert "churn: promoted v3" in out, out
    [manual] = [d for d in audit.history(client(), "churn", decision="triggered") if d.trigger == "manual"]
    v3 = client().get_model_version("churn", "3")
    assert v3.tags[names.MODEL_TRIGGER_RUN] == manual.run_id and v3.tags[names.MODEL_TRIGGER] == "manual"
    steps = client().search_runs([client().get_run(v3.tags[names.MODEL_PIPELINE_RUN]).info.experiment_id],
                                 filter_string=f"tags.`{names.PARENT_RUN}` = '{v3.tags[names.MODEL_PIPELINE_RUN]}'")
    assert steps and all(s.data.tags.get(names.PIPELINE_CACHE_HIT) == "true" for s in steps)
    assert str(client().get_registered_model("churn").aliases["champion"]) == "3"
