"""%contract and %%track --expect in a real IPython shell, on the real embedded SQLite store."""

from __future__ import annotations

import json

import pytest
from IPython.core.error import UsageError

from mlops_testing import all_runs, run, sync

SETUP = (
    "import numpy as np, pandas as pd\n"
    "rng = np.random.default_rng(0)\n"
    "train = pd.DataFrame({'customer_id': np.arange(400), 'age': rng.integers(18, 90, 400),\n"
    "                      'income': rng.normal(50_000, 8_000, 400),\n"
    "                      'plan': rng.choice(['basic', 'pro', 'team'], 400)})"
)


def runs_of(kind: str):
    return [r for r in all_runs() if r.data.tags.get("mlops.kind") == kind]


def test_contract_is_inferred_saved_shown_and_linked(ip, mlops_root, capsys):
    assert run(ip, SETUP).success
    ip.run_line_magic("contract", "train --name customers")
    path = mlops_root / "contracts" / "customers.yaml"
    text = path.read_text()
    assert "customer_id:" in text and "unique: true" in text and "categories: [basic, pro, team]" in text
    out = capsys.readouterr().out
    assert "written to" in out and "linked to train's fingerprint" in out
    ip.run_line_magic("contract", "--show customers")
    assert capsys.readouterr().out.strip() == text.strip()
    sync(ip)
    (linked,) = runs_of("contract")
    from jupyter_mlops.core.tracking.fingerprint import fingerprint

    assert linked.info.status == "FINISHED"
    assert linked.data.tags["mlops.contract.name"] == "customers"
    assert linked.data.tags["mlops.contract.file"] == "contracts/customers.yaml"
    (dataset,) = linked.inputs.dataset_inputs
    assert dataset.dataset.name == "train" and dataset.dataset.digest == fingerprint(ip.user_ns["train"]).digest
    import mlflow.artifacts

    stored = mlflow.artifacts.load_text(f"{linked.info.artifact_uri}/mlops/contracts/customers.yaml")
    assert stored == text
    # a second %contract keeps the (maybe edited) file, and checks the data against it
    path.write_text(text.replace("name: customers", "name: customers  # reviewed"))
    ip.run_line_magic("contract", "train --name customers")
    assert "exists and is kept" in capsys.readouterr().out
    assert "# reviewed" in path.read_text()


def test_expect_reports_and_records_a_violation(ip, mlops_root, capsys):
    assert run(ip, SETUP).success
    ip.run_line_magic("contract", "train")
    capsys.readouterr()
    result = run(ip, "%%track -q --expect train:batch\nbatch = train.copy()\n"
                     "batch.loc[3, 'plan'] = 'enterprise'\nbatch.loc[5, 'age'] = 130")
    assert result.success  # by default the cell does not fail
    out = capsys.readouterr().out
    assert "batch violates contract 'train'" in out and "enterprise" in out
    sync(ip)
    (tracked,) = runs_of("cell")
    assert tracked.info.status == "FINISHED"
    assert tracked.data.metrics["contract.train.violations"] == 2
    assert tracked.data.metrics["contract.train.failed_values"] == 2
    report = json.loads(tracked.data.tags["mlops.expect.train"])
    assert report["status"] == "failed" and report["variable"] == "batch"
    assert report["file"] == "contracts/train.yaml"
    checks = {v["check"]: v for v in report["violations"]}
    assert checks["categories"]["examples"] == ["enterprise"]
    assert checks["categories"]["rows"][0]["index"] == 3
    assert checks["range"]["rows"][0]["age"] == 130
    assert json.loads(tracked.data.tags["mlops.expects"])[0]["status"] == "failed"


def test_expect_passes_quietly_on_clean_data(ip, capsys):
    assert run(ip, SETUP).success
    ip.run_line_magic("contract", "train")
    result = run(ip, "%%track -q --expect train:sample --strict\nsample = train.sample(frac=0.5, random_state=1)")
    assert result.success
    assert "sample meets contract 'train': passed" in capsys.readouterr().out
    sync(ip)
    (tracked,) = runs_of("cell")
    assert tracked.info.status == "FINISHED" and tracked.data.metrics["contract.train.violations"] == 0


def test_strict_fails_the_cell_and_the_run(ip, capsys):
    assert run(ip, SETUP).success
    ip.run_line_magic("contract", "train")
    result = run(ip, "%%track -q --expect train:batch --strict\nbatch = train.drop(columns=['plan'])")
    assert not result.success
    assert type(result.error_in_exec).__name__ == "ContractViolation"
    assert "column 'plan' is missing" in str(result.error_in_exec)
    sync(ip)
    (tracked,) = runs_of("cell")
    assert tracked.info.status == "FAILED"
    assert tracked.data.tags["mlops.error"].startswith("ContractViolation: batch: contract 'train': failed")
    assert tracked.data.metrics["contract.train.violations"] == 1
    assert tracked.info.end_time is not None  # complete: ended, with its artifacts
    import mlflow.artifacts

    full = json.loads(mlflow.artifacts.load_text(f"{tracked.info.artifact_uri}/mlops/contracts/train.json"))
    assert full["violations"][0]["check"] == "missing_column"


def test_bad_input_is_a_usage_error_before_any_run(ip, mlops_root):
    assert run(ip, SETUP).success
    ip.run_line_magic("contract", "train")
    (mlops_root / "contracts" / "broken.yaml").write_text("name: broken\ncolumns:\n  a: {dtype: int64\n  b: 1\n")
    cases = [
        ("%%track --expect nosuch:train\nx = 1", r"No contract 'nosuch' .*known: broken, train"),
        ("%%track --expect broken:train\nx = 1", r"broken.yaml, line \d+: not valid YAML"),
        ("%%track --expect train\nx = 1", "write CONTRACT:VARIABLE"),
        ("%%track --expect train:missing\nx = 1", "does not assign 'missing'"),
        ("%%track --strict\nx = 1", "give --expect too"),
    ]
    for source, message in cases:
        line, body = source.split("\n", 1)
        with pytest.raises(UsageError, match=message):
            ip.run_cell_magic("track", line[len("%%track "):], body)
    for line, message in [("nosuch_variable", "No variable 'nosuch_variable'"),
                          ("--show nosuch", "known: broken, train"), ("rng", "needs a pandas DataFrame"),
                          ("train --name 'bad name'", "not valid")]:
        with pytest.raises(UsageError, match=message):
            ip.run_line_magic("contract", line)
    assert runs_of("cell") == []


def test_check_returns_a_report(ip, capsys):
    assert run(ip, SETUP).success
    ip.run_line_magic("contract", "train")
    report = ip.run_line_magic("contract", "train --check train")
    assert report.ok and report.rows == 400
    run(ip, "shifted = train.assign(income=train.income + 8_000)")
    report = ip.run_line_magic("contract", "shifted --check train")
    assert [v.check for v in report.violations] == ["quantiles", "range"]
    assert "distributed differently" in capsys.readouterr().out
    ip.run_line_magic("contract", "")
    listed = capsys.readouterr().out
    assert "Contracts in" in listed and listed.rstrip().endswith("train.")


def test_expect_on_something_that_is_not_a_frame_is_a_violation(ip, capsys):
    assert run(ip, SETUP).success
    ip.run_line_magic("contract", "train")
    result = run(ip, "%%track -q --expect train:batch\nbatch = [1, 2, 3]")
    assert result.success
    assert "batch is list, not a DataFrame" in capsys.readouterr().out
    sync(ip)
    (tracked,) = runs_of("cell")
    assert json.loads(tracked.data.tags["mlops.expect.train"])["violations"][0]["check"] == "not_a_frame"
