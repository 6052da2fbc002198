"""Exported pipelines enforce the notebook's data contracts: a step validates what it
reads and writes against contracts/NAME.yaml and fails naming the check, column and values."""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from jupyter_mlops.core import contracts
from jupyter_mlops.pipeline import export_notebook
from jupyter_mlops.pipeline.contract_marks import contract_marks
from jupyter_mlops.pipeline.runner import run_pipeline
from jupyter_mlops.pipeline.runner.step import StepFailed

from .conftest import KFP_PREBUILT_IMAGE

CELLS = [
    "import pandas as pd",
    "%%track --name load --expect raw:orders\norders = pd.read_csv('orders.csv')",
    "%%track --name clean\nclean = orders[orders.amount >= 0].reset_index(drop=True)",
    "%%track --name total -m total --expect features:clean --strict\ntotal = float(clean.amount.sum())",
]


def orders(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"amount": rng.gamma(2.0, 10.0, n).round(2),
                         "region": rng.choice(["north", "south", "east"], n)})


def test_marks_come_from_expect_and_contract_lines():
    marks = contract_marks(["%%track -q --expect raw:orders --expect=features:clean\nx = 1",
                            "%contract orders --name raw2\n%contract clean\n%contract batch --check raw\n"
                            "%contract --show raw"])
    assert marks == {"orders": ["raw", "raw2"], "clean": ["features", "clean"], "batch": ["raw"]}


@pytest.mark.slow
def test_steps_validate_what_they_read_and_write(tmp_path, tracking_uri, make_notebook):
    good = orders()
    good.to_csv(tmp_path / "orders.csv", index=False)
    contracts.save(tmp_path, contracts.infer(good, "raw"))
    contracts.save(tmp_path, contracts.infer(good[good.amount >= 0].reset_index(drop=True), "features"))
    notebook = make_notebook(CELLS)
    report = export_notebook(notebook, "python", tmp_path / "out", observe=False)
    package = tmp_path / "out" / report.name
    assert json.loads((package / "contracts.json").read_text())["variables"] == {"orders": ["raw"],
                                                                                 "clean": ["features"]}
    assert (package / "contracts" / "raw.yaml").read_text() == (tmp_path / "contracts" / "raw.yaml").read_text()

    result = run_pipeline(package)
    client = MlflowClient(tracking_uri)
    steps = {r.data.tags["mlops.pipeline.step"]: r for r in client.search_runs(
        [result.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{result.run_id}'")}
    assert json.loads(steps["load"].data.tags["mlops.expect.raw"])["status"] == "passed"
    assert json.loads(steps["total"].data.tags["mlops.expect.features"])["status"] == "passed"  # read
    assert steps["clean"].data.metrics["contract.features.violations"] == 0.0  # written

    bad = good.copy()
    bad.loc[3, "amount"] = 1e6
    bad.loc[7, "region"] = "mars"
    bad.to_csv(tmp_path / "orders.csv", index=False)  # the file changed: 'load' runs again
    with pytest.raises(StepFailed) as failed:
        run_pipeline(package)
    message = str(failed.value)
    assert "step 'load'" in message and "step 'load' wrote orders, which violates contract 'raw'" in message
    assert "[range] column 'amount' has 1 values outside" in message and "1000000.0" in message
    assert "[categories] column 'region' has 1 values outside its 3 categories, e.g. ['mars']" in message
    assert "contracts/raw.yaml" in message
    failed_run = client.search_runs([result.experiment_id], filter_string="tags.`mlops.pipeline.step` = 'load' "
                                    "and attributes.status = 'FAILED'")[0]
    assert failed_run.data.metrics["contract.raw.violations"] == 2.0
    assert "ContractViolation" in failed_run.data.tags["mlops.error"]

    # the contracts beside the notebook are the ones used: loosen 'raw', and 'load' passes, but
    # the step that writes 'clean' is held to 'features'; loosen that too, and the run passes
    for name in ("raw", "features"):
        loose = contracts.load(tmp_path, name)
        loose.column("amount").max = None
        loose.column("region").categories = None
        contracts.save(tmp_path, loose)
        if name == "raw":
            with pytest.raises(StepFailed, match=r"step 'clean' wrote clean, which violates contract 'features'"):
                run_pipeline(package)
    assert run_pipeline(package).metrics["total"]["total"] > 1e6


KFP_LOCAL_RUN = """
import importlib.util, sys
from kfp import local
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=sys.argv[2])
spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.pipeline(mlflow_tracking_uri=sys.argv[3])
"""


@pytest.mark.slow
@pytest.mark.postgres
def test_kfp_components_validate_what_they_read_and_write(kfp_python, tmp_path, mlflow_server, make_notebook):
    """Each component carries the validator and the contract files: it checks the notebook's
    files when it runs in the notebook's folder, else the copies exported with it (as on a
    cluster), records the checks on its MLflow run and fails naming check, column, values."""
    good = orders()
    good.to_csv(tmp_path / "orders.csv", index=False)
    contracts.save(tmp_path, contracts.infer(good, "raw"))
    contracts.save(tmp_path, contracts.infer(good[good.amount >= 0].reset_index(drop=True), "features"))
    out = tmp_path / "kfp"
    report = export_notebook(make_notebook(CELLS), "kfp", out, observe=False)
    source = out / f"{report.name}_kfp.py"
    assert "pandera==" in (out / "requirements.txt").read_text()

    def run(root: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(kfp_python), "-c", KFP_LOCAL_RUN, str(source), str(tmp_path / root),
                               mlflow_server.url], capture_output=True, text=True, timeout=600, check=False,
                              env={**os.environ, **KFP_PREBUILT_IMAGE})

    done = run("good")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    client = MlflowClient(mlflow_server.url)
    runs = client.search_runs([client.get_experiment_by_name(report.name).experiment_id])
    steps = {r.data.tags["mlops.pipeline.step"]: r for r in runs}
    assert json.loads(steps["load"].data.tags["mlops.expect.raw"])["status"] == "passed"  # wrote
    assert json.loads(steps["total"].data.tags["mlops.expect.features"])["status"] == "passed"  # read
    assert steps["clean"].data.metrics["contract.features.violations"] == 0.0
    assert "mlops.expect.raw" not in steps["total"].data.tags  # it never touches orders

    # away from the notebook's contracts/ the exported copies hold: bad data fails 'load'
    (tmp_path / "contracts").rename(tmp_path / "elsewhere")
    bad = good.copy()
    bad.loc[5, "amount"] = -1e6
    bad.loc[9, "region"] = "atlantis"
    bad.to_csv(tmp_path / "orders.csv", index=False)
    done = run("bad")
    assert done.returncode != 0
    logs = done.stdout + done.stderr
    assert "ContractViolation: step 'load' wrote orders, which violates contract 'raw'" in logs
    assert "[range] column 'amount' has 1 values outside" in logs and "-1000000.0" in logs
    assert "[categories] column 'region' has 1 values outside its 3 categories, e.g. ['atlantis']" in logs
    assert "contracts/raw.yaml (exported with the pipeline)" in logs
    failed = [r for r in client.search_runs([client.get_experiment_by_name(report.name).experiment_id])
              if r.info.status == "FAILED"]
    assert [r.data.tags["mlops.pipeline.step"] for r in failed] == ["load"]
    assert failed[0].data.metrics["contract.raw.violations"] == 2.0
    assert failed[0].data.tags["mlops.error"].startswith("ContractViolation: step 'load' wrote orders")


@pytest.mark.slow
def test_airflow_tasks_validate_what_they_read_and_write(dags_test, tmp_path, tracking_uri, make_notebook):
    """The DAG's tasks run the package's steps, so a violation fails the task that wrote
    the data (named in its log) and the DAG run, and the step's MLflow run records it."""
    bad = orders()
    contracts.save(tmp_path, contracts.infer(bad, "raw"))
    contracts.save(tmp_path, contracts.infer(bad, "features"))
    bad.loc[2, "region"] = "atlantis"
    bad.to_csv(tmp_path / "orders.csv", index=False)
    out = dags_test.folder / tmp_path.name
    report = export_notebook(make_notebook(CELLS), "airflow", out, observe=False)
    returncode, logs = dags_test.run(report.name, out / f"{report.name}_dag.py",
                                     {"MLFLOW_TRACKING_URI": tracking_uri, "JUPYTER_MLOPS_ROOT": tmp_path})
    assert returncode == 1, logs[-4000:]  # `airflow dags test` exits 1: the DAG run failed
    assert "ContractViolation: step 'load' wrote orders, which violates contract 'raw'" in logs, logs[-4000:]
    assert "[categories] column 'region' has 1 values outside its 3 categories, e.g. ['atlantis']" in logs

    client = MlflowClient(tracking_uri)
    runs = client.search_runs([client.get_experiment_by_name(report.name).experiment_id])
    parent = next(r for r in runs if r.data.tags.get("mlops.kind") == "pipeline")
    assert parent.info.status == "FAILED"
    load = next(r for r in runs if r.data.tags.get("mlops.pipeline.step") == "load")
    assert load.info.status == "FAILED" and load.data.metrics["contract.raw.violations"] == 1.0
    assert not [r for r in runs if r.data.tags.get("mlops.pipeline.step") in ("clean", "total")]
