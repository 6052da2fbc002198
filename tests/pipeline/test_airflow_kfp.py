"""The airflow and kfp targets with the real Airflow 3 and the real kfp compiler, each in
its own cached virtualenv (both pin libraries that conflict with mlflow's)."""

import json
import os
import subprocess
import sys
import time

import pytest
import yaml
from mlflow import MlflowClient

from jupyter_mlops.pipeline import export_notebook

from .conftest import EXAMPLE, subprocess_env

STEPS = {"load_data", "split", "scale", "train_logreg", "train_tree"}

DAGBAG_CHECK = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(sys.argv[1])
dag = bag.dags.get(sys.argv[2])
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "tasks": sorted(t.task_id for t in dag.tasks) if dag else None,
                  "upstream": {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks} if dag else None,
                  "params": sorted(dag.params.keys()) if dag else None}))
"""


@pytest.mark.slow
def test_airflow_dag_loads_and_runs(airflow_python, airflow_home, tmp_path, tracking_uri):
    out = tmp_path / "dags"
    report = export_notebook(EXAMPLE, "airflow", out, observe=False)
    env = subprocess_env(AIRFLOW_HOME=airflow_home, AIRFLOW__CORE__DAGS_FOLDER=out,
                         AIRFLOW__CORE__LOAD_EXAMPLES="False", MLFLOW_TRACKING_URI=tracking_uri,
                         JUPYTER_MLOPS_PIPELINE_PYTHON=sys.executable)
    airflow = str(airflow_python.parent / "airflow")

    loaded = subprocess.run([str(airflow_python), "-c", DAGBAG_CHECK, str(out), report.name], env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    bag = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert bag["errors"] == {}
    assert set(bag["tasks"]) == STEPS | {"mlops_begin", "mlops_end"}
    assert bag["upstream"]["train_logreg"] == ["mlops_begin", "scale", "split"]
    assert bag["params"] == ["C", "max_depth", "test_size"]

    done = subprocess.run([airflow, "dags", "test", "-c", '{"max_depth": 3}', report.name], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(report.name)
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if r.data.tags.get("mlops.kind") == "pipeline")
    assert parent.info.status == "FINISHED"
    steps = {r.data.tags["mlops.pipeline.step"]: r for r in runs
             if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    assert set(steps) == STEPS and all(r.info.status == "FINISHED" for r in steps.values())
    assert steps["train_logreg"].data.metrics["accuracy"] > 0.9
    assert steps["train_tree"].data.params["max_depth"] == "3"  # the DAG run's conf reached the step
    assert steps["train_logreg"].data.params["C"] == "0.5"
    assert parent.data.metrics["train_logreg.accuracy"] == steps["train_logreg"].data.metrics["accuracy"]


@pytest.mark.slow
def test_kfp_pipeline_compiles(kfp_python, tmp_path):
    out = tmp_path / "kfp"
    report = export_notebook(EXAMPLE, "kfp", out, observe=False)
    source = out / f"{report.name}_kfp.py"
    done = subprocess.run([str(kfp_python), str(source)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    spec = yaml.safe_load((out / f"{report.name}.yaml").read_text())
    assert {c.replace("comp-step-", "").replace("-", "_") for c in spec["components"]} == STEPS
    tasks = spec["root"]["dag"]["tasks"]
    assert set(tasks) == {"step-" + s.replace("_", "-") for s in STEPS}
    assert sorted(tasks["step-train-logreg"]["dependentTasks"]) == ["step-scale", "step-split"]
    assert "dependentTasks" not in tasks["step-load-data"]
    params = spec["root"]["inputDefinitions"]["parameters"]
    assert params["C"]["defaultValue"] == 0.5 and params["C"]["parameterType"] == "NUMBER_DOUBLE"
    assert params["max_depth"]["parameterType"] == "NUMBER_INTEGER"
    logreg = tasks["step-train-logreg"]["inputs"]
    assert logreg["artifacts"]["in_X_train_s"]["taskOutputArtifact"] == {
        "outputArtifactKey": "out_X_train_s", "producerTask": "step-scale"}
    assert logreg["parameters"]["C"]["componentInputParameter"] == "C"
    containers = [e["container"] for e in spec["deploymentSpec"]["executors"].values()]
    assert all(c["image"].startswith("python:3") and "-m pip install" in c["command"][2] for c in containers)

    # Compiled for an image that has the packages: the components start from it, install nothing.
    done = subprocess.run([str(kfp_python), str(source)], capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "JUPYTER_MLOPS_KFP_IMAGE": "registry.example/team/churn:1"})
    assert done.returncode == 0, done.stderr[-3000:]
    spec = yaml.safe_load((out / f"{report.name}.yaml").read_text())
    containers = [e["container"] for e in spec["deploymentSpec"]["executors"].values()]
    assert len(containers) == len(STEPS)
    assert all(c["image"] == "registry.example/team/churn:1" for c in containers)
    assert not [c for c in containers if "pip" in c["command"][2]]  # [sh, -ec, script, source]


KFP_LOCAL_RUN = """
import importlib.util, json, pathlib, sys
from kfp import local
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=sys.argv[2])
spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.pipeline(max_depth=3, mlflow_tracking_uri=sys.argv[3])
metrics = {}
for output in pathlib.Path(sys.argv[2]).glob("*/*/executor_output.json"):
    for artifact in json.loads(output.read_text()).get("artifacts", {}).get("mlops_metrics", {}).get("artifacts", []):
        metrics[output.parent.name.removeprefix("step-")] = artifact["metadata"]
print(json.dumps(metrics))
"""


@pytest.mark.slow
@pytest.mark.postgres
def test_kfp_pipeline_runs_with_the_local_runner(kfp_python, tmp_path, tracking_uri, mlflow_server):
    """Every component really runs (kfp.local, one subprocess per component), the metrics
    match the python target's, and each component logs its run to an MLflow server (as
    on a cluster: the components carry only the light MLflow client)."""
    started = int(time.time() * 1000)
    out = tmp_path / "kfp"
    report = export_notebook(EXAMPLE, "kfp", out, observe=False)
    done = subprocess.run([str(kfp_python), "-c", KFP_LOCAL_RUN, str(out / f"{report.name}_kfp.py"),
                           str(tmp_path / "root"), mlflow_server.url], capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    metrics = json.loads(done.stdout.strip().splitlines()[-1])
    from jupyter_mlops.pipeline.runner import run_pipeline

    export_notebook(EXAMPLE, "python", tmp_path / "py", observe=False)
    ours = run_pipeline(tmp_path / "py" / report.name, params={"max_depth": 3}).metrics
    assert metrics["train-logreg"]["accuracy"] == ours["train_logreg"]["accuracy"]
    assert metrics["train-tree"]["tree_accuracy"] == ours["train_tree"]["tree_accuracy"]

    # Every component logged its execution as an MLflow run, like the python target's steps.
    client = MlflowClient(mlflow_server.url)
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()],
                              filter_string=f"tags.`mlops.pipeline.target` = 'kfp' "
                                            f"and attributes.start_time >= {started}")
    tracked = {r.data.tags["mlops.pipeline.step"]: r for r in runs}
    assert set(tracked) == STEPS and all(r.info.status == "FINISHED" for r in tracked.values())
    assert tracked["train_logreg"].data.metrics["accuracy"] == metrics["train-logreg"]["accuracy"]
    assert tracked["train_tree"].data.params["max_depth"] == "3"
    assert tracked["train_logreg"].data.tags["mlops.kind"] == "pipeline.step"
    read = {d["name"] for d in json.loads(tracked["train_logreg"].data.tags["mlops.data.inputs"])}
    written = {d["name"] for d in json.loads(tracked["scale"].data.tags["mlops.data.outputs"])}
    assert "X_train_s" in read & written


SCHEDULED_CHECK = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(sys.argv[1])
dag = bag.dags.get(sys.argv[2])
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "timetable": type(dag.timetable).__name__ if dag else None,
                  "summary": dag.timetable.summary if dag else None,
                  "params": {k: dag.params[k] for k in dag.params} if dag else None}))
"""
POLICY = """\
model: demo
triggers:
  schedule: "0 3 * * *"
  data: [data/train.csv]
retrain:
  notebook: pipeline_demo.ipynb
  params: {C: 0.5}
gate:
  holdout: data/holdout.csv
  target: y
  metric: accuracy
"""


@pytest.mark.slow
def test_airflow_dag_is_scheduled_as_the_retraining_policy_says(airflow_python, airflow_home, tmp_path):
    """The policy's cron schedule and data paths become the DAG's schedule (time or Asset
    events), its params the DAG's defaults; Airflow itself loads it."""
    folder = tmp_path / "nb"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "train.csv").write_text("a,y\n1,0\n")
    (folder / "data" / "holdout.csv").write_text("a,y\n1,0\n")
    (folder / "policies").mkdir()
    (folder / "policies" / "demo.yaml").write_text(POLICY)
    notebook = folder / "pipeline_demo.ipynb"
    notebook.write_bytes(EXAMPLE.read_bytes())
    out = tmp_path / "dags"
    report = export_notebook(notebook, "airflow", out, observe=False)
    source = (out / f"{report.name}_dag.py").read_text()
    assert "CronTriggerTimetable('0 3 * * *'" in source and (folder / "data" / "train.csv").as_uri() in source

    env = subprocess_env(AIRFLOW_HOME=airflow_home, AIRFLOW__CORE__DAGS_FOLDER=out,
                         AIRFLOW__CORE__LOAD_EXAMPLES="False")
    loaded = subprocess.run([str(airflow_python), "-c", SCHEDULED_CHECK, str(out), report.name], env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    dag = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert dag["errors"] == {}
    assert dag["timetable"] == "AssetOrTimeSchedule" and "0 3 * * *" in dag["summary"]
    assert dag["params"]["C"] == 0.5


def test_a_notebook_without_a_policy_exports_an_unscheduled_dag(tmp_path):
    out = tmp_path / "dags"
    report = export_notebook(EXAMPLE, "airflow", out, observe=False)
    assert "    schedule=None," in (out / f"{report.name}_dag.py").read_text()
