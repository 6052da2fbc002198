"""The gate refuses a worse challenger (nothing moves, both models' figures audited), and
100 identical trigger events start exactly one retraining."""

from __future__ import annotations

import threading
import time

import pytest

from jupyter_mlops.core import lifecycle, names
from jupyter_mlops.core.errors import Refused
from jupyter_mlops.core.lifecycle import audit
from jupyter_mlops.core.lifecycle.triggers import Event
from mlops_testing import client

from .conftest import CHURN_POLICY, write_policy

POLICY = CHURN_POLICY + "  min_improvement: 0.0\n  require: \"metrics.accuracy >= 0.6\"\n"


@pytest.fixture
def policy(versions, mlops_root):
    return write_policy(mlops_root, POLICY)


@pytest.mark.slow
def test_a_worse_challenger_is_refused_and_nothing_moves(policy, versions):
    champion, worse = versions
    with pytest.raises(Refused, match=r"churn v2 was not promoted to @champion: v2 accuracy=0\.\d+ vs champion "
                                      r"v1 (1|0\.9\d+): refused.*Nothing moved") as refused:
        lifecycle.promote("churn", worse, "champion", rollover=False)
    assert str(client().get_registered_model("churn").aliases["champion"]) == champion
    gated, refusal = audit.history(client(), "churn")[::-1]
    assert (gated.decision, gated.outcome, refusal.decision) == ("gated", "failed", "refused")
    assert refusal.run_id == refused.value.details["run_id"]
    assert (refusal.from_version, refusal.to_version, refusal.forced) == (champion, worse, False)
    figures = refusal.metrics
    assert figures["champion.accuracy"] > 0.9 > 0.7 > figures["challenger.accuracy"] and figures["improvement"] < 0
    assert figures["holdout_rows"] == 300
    assert "require 'metrics.accuracy >= 0.6' failed" in refusal.outcome and "relative improvement" in refusal.outcome
    # forced, it moves, and the audit says so
    moved = lifecycle.promote("churn", worse, "champion", force=True, rollover=False)
    assert moved["forced"] and audit.history(client(), "churn")[0].forced


def alert(version: str, port: int = 5999) -> None:
    from jupyter_mlops.core.monitoring.check import CheckResult, record_check

    rows = [{"feature": "a", "role": "feature", "statistic": "ks", "value": 0.4, "threshold": 0.1, "drifted": True}]
    record_check(client(), CheckResult(ref="churn@champion", name="churn", version=version, port=port,
                                       window="1000 rows", live_rows=1000, rows=rows, drifted=["a"], status="alert"))


def test_an_alert_is_found_only_with_its_figures(policy, versions, monkeypatch, tmp_path):
    """The watcher finds alert runs by their status tag while monitoring writes them: the tag
    must arrive with the drift figures, never before."""
    from mlflow import MlflowClient

    from jupyter_mlops.core.lifecycle.ledger import Ledger
    from jupyter_mlops.core.lifecycle.triggers import collect

    seen: list[list] = []
    log_batch = MlflowClient.log_batch

    def watched(self, run_id, *args, **kwargs):  # what a watcher polling right now would find
        seen.append(collect(policy, client(), Ledger(tmp_path), advance=False))
        return log_batch(self, run_id, *args, **kwargs)

    monkeypatch.setattr(MlflowClient, "log_batch", watched)
    alert(versions[0])
    monkeypatch.setattr(MlflowClient, "log_batch", log_batch)
    assert seen and all(not [e for e in events if e.kind == "drift"] for events in seen), seen
    [event] = [e for e in collect(policy, client(), Ledger(tmp_path), advance=False) if e.kind == "drift"]
    assert event.evidence["drift"] == {"drift.feature.a": 0.4}


def test_a_decision_is_found_only_with_its_figures(mlops_root, monkeypatch):
    from mlflow import MlflowClient

    seen: list[list] = []
    log_batch = MlflowClient.log_batch

    def watched(self, run_id, *args, **kwargs):  # what the sidebar's history would show right now
        seen.append(audit.history(client(), "churn"))
        return log_batch(self, run_id, *args, **kwargs)

    monkeypatch.setattr(MlflowClient, "log_batch", watched)
    audit.record(client(), "churn", "triggered", trigger="drift", metrics={"drift.feature.a": 0.4})
    monkeypatch.setattr(MlflowClient, "log_batch", log_batch)
    assert seen == [[]]
    [decision] = audit.history(client(), "churn")
    assert (decision.decision, decision.trigger, decision.metrics) == ("triggered", "drift", {"drift.feature.a": 0.4})


@pytest.mark.slow
def test_a_hundred_identical_events_start_one_retraining(policy, versions, mlops_root):
    watcher = lifecycle.Watcher()
    assert watcher.tick() == []  # the first look records the data's fingerprint
    started: list[dict] = []
    stop = threading.Event()
    loop = threading.Thread(target=watcher.run, args=(stop, 0.5, started.extend))
    loop.start()
    try:
        alert(versions[0])
        deadline = time.monotonic() + 30
        while not started and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(99):  # the same drift over the same data, while the first one retrains
            alert(versions[0])
        while watcher.duplicates < 99 and time.monotonic() < deadline + 120:
            time.sleep(0.1)
    finally:
        stop.set()
        loop.join(30)
    assert len(started) == 1 and started[0]["trigger"] == "drift" and watcher.duplicates == 99
    [triggered] = audit.history(client(), "churn", decision="triggered")
    alert_run = client().get_run(triggered.cause)
    latency = (client().get_run(triggered.run_id).info.start_time - alert_run.info.start_time) / 1000
    assert 0 <= latency <= 5.0, latency
    assert watcher.tick() == []  # nothing new: no second retraining
    # the same events offered at once from 10 threads: still none
    event = Event("churn", "churn", "drift", started[0]["key"], 0.0)
    threads = [threading.Thread(target=lambda: [watcher.offer(policy, event) for _ in range(10)]) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert watcher.duplicates == 199
    assert watcher.wait(120)
    triggered = audit.history(client(), "churn", decision="triggered")
    assert len(triggered) == 1 and triggered[0].trigger == "drift" and triggered[0].key.startswith("data:")
    assert triggered[0].cause and triggered[0].metrics["drift.feature.a"] == 0.4
    # the dummy notebook has no steps: the retraining failed, audited under the trigger
    [failed] = audit.history(client(), "churn", decision="failed")
    assert failed.parent == triggered[0].run_id
    # new data is a new key: one more retraining
    with open(mlops_root / "data" / "train.csv", "a") as data:
        data.write("0.5,0.5,1\n")
    [again] = watcher.tick()
    assert again["trigger"] == "data" and again["key"] != started[0]["key"]
    assert watcher.wait(120)
    status = lifecycle.model_status("churn")
    assert [d["decision"] for d in status["history"]][:2] == ["failed", "triggered"]
    assert status["pending"] == [] and status["running"] == []
    assert client().get_run(triggered[0].run_id).data.tags[names.DECISION_POLICY] == "policies/churn.yaml"


@pytest.mark.slow
def test_the_gate_checks_the_data_contract_and_the_cli_reports(policy, versions, mlops_root, capsys):
    import pandas as pd

    from jupyter_mlops.cli import main
    from jupyter_mlops.core import contracts
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.lifecycle.evaluate import evaluate

    train = pd.read_csv(mlops_root / "data" / "train.csv")
    contracts.save(mlops_root, contracts.infer(train, "train"))
    (mlops_root / "policies" / "churn.yaml").write_text(POLICY + "  contract: train\n")
    checked = lifecycle.load_policy(mlops_root, "churn")
    assert evaluate(checked, resolve().tracking_uri, "1", None).contract["ok"]
    train.loc[:20, "a"] = None  # nulls where the contract allows none
    train.to_csv(mlops_root / "data" / "train.csv", index=False)
    result = evaluate(checked, resolve().tracking_uri, "1", None)
    assert not result.passed and "breaks contract train" in result.reasons[0] and "null" in result.reasons[0]

    # the command line: a refused promotion exits 1 with the reasons; the history lists it
    assert main(["promote", "churn/2"]) == 1
    assert "was not promoted to @champion" in capsys.readouterr().err
    assert main(["promotions", "churn"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("refused") and "v1 -> v2" in lines[0] and lines[1].startswith("gated")
    assert main(["rollback", "churn"]) == 1 and "write NAME@ALIAS" in capsys.readouterr().err
