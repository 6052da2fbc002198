"""The python target against a real MLflow SQLite store: order, parallelism, nesting,
artifacts, cache hits, --force, parameters and failures."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from jupyter_mlops.core import names
from jupyter_mlops.pipeline import export_notebook
from jupyter_mlops.pipeline.runner import run_pipeline
from jupyter_mlops.pipeline.runner.step import StepFailed

from .conftest import EXAMPLE, subprocess_env


@pytest.fixture
def demo(tmp_path, tracking_uri):
    report = export_notebook(EXAMPLE, "python", tmp_path / "out", observe=False)
    return tmp_path / "out" / report.name


def children(client, result):
    runs = client.search_runs([result.experiment_id],
                              filter_string=f"tags.`mlflow.parentRunId` = '{result.run_id}'")
    return {r.data.tags["mlops.pipeline.step"]: r for r in runs}


def test_runs_nested_steps_then_hits_the_cache(demo, tracking_uri):
    client = MlflowClient(tracking_uri)
    events = []
    first = run_pipeline(demo, progress=events.append)
    assert first.cached == []
    assert first.metrics["train_logreg"]["accuracy"] > 0.9
    assert client.get_run(first.run_id).info.status == "FINISHED"
    steps = children(client, first)
    assert set(steps) == {"load_data", "split", "scale", "train_logreg", "train_tree"}
    assert all(r.info.status == "FINISHED" for r in steps.values())
    # Independent steps are started together: both run before either finishes.
    order = [(e["step"], e["status"]) for e in events if e["step"] in ("scale", "train_tree")]
    assert order[:2] == [("scale", "running"), ("train_tree", "running")]
    # Data between steps: fingerprinted artifacts in the step run.
    outputs = {o["name"]: o for o in json.loads(steps["split"].data.tags[names.DATA_OUTPUTS])}
    assert outputs["X_train"]["format"] == "parquet" and len(outputs["X_train"]["digest"]) == 32
    listed = {a.path for a in client.list_artifacts(steps["split"].info.run_id, "outputs")}
    assert "outputs/X_train.parquet" in listed
    datasets = {(d.dataset.name, d.dataset.digest) for d in steps["split"].inputs.dataset_inputs}
    assert ("X_train", outputs["X_train"]["digest"]) in datasets  # MLflow dataset inputs too
    logreg_out = {o["name"]: o for o in json.loads(steps["train_logreg"].data.tags[names.DATA_OUTPUTS])}
    assert logreg_out["model"]["result"] is True  # the trained model is kept though no step reads it
    inputs = json.loads(steps["train_logreg"].data.tags[names.DATA_INPUTS])
    assert {i["name"] for i in inputs} == {"X_train_s", "X_test_s", "y_train", "y_test"}
    assert steps["train_logreg"].data.params["C"] == "0.5"

    second = run_pipeline(demo)
    assert sorted(second.cached) == sorted(steps)
    assert second.metrics["train_logreg"] == first.metrics["train_logreg"]
    hit = children(client, second)["train_logreg"]
    assert hit.data.tags["mlops.pipeline.cached_from"] == steps["train_logreg"].info.run_id

    # A parameter re-runs only the steps that use it; the rest stay cached.
    third = run_pipeline(demo, params={"C": 0.05})
    assert sorted(third.cached) == ["load_data", "scale", "split", "train_tree"]
    assert children(client, third)["train_logreg"].data.params["C"] == "0.05"

    forced = run_pipeline(demo, force=True)
    assert forced.cached == []
    assert forced.metrics == first.metrics


def test_changed_code_misses_the_cache(demo):
    run_pipeline(demo)
    step_file = demo / "steps" / "train_tree.py"
    step_file.write_text(step_file.read_text() + "\nextra = 1\n")
    again = run_pipeline(demo)
    assert sorted(again.cached) == ["load_data", "scale", "split", "train_logreg"]


def test_failing_step_fails_the_pipeline(make_notebook, tmp_path, tracking_uri):
    path = make_notebook(["%%track --name ok\nx = 1", "%%track --name bad\ny = x / 0",
                          "%%track --name after\nz = y"])
    export_notebook(path, out=tmp_path / "o", observe=False)
    with pytest.raises(StepFailed, match=r"step 'bad' \(cell 2 \(id c1\)\) failed: ZeroDivisionError"):
        run_pipeline(tmp_path / "o" / "nb")
    client = MlflowClient(tracking_uri)
    runs = client.search_runs([client.get_experiment_by_name("nb").experiment_id])
    by_name = {r.info.run_name: r for r in runs}
    assert by_name["nb pipeline"].info.status == "FAILED"
    assert by_name["bad"].info.status == "FAILED" and "ZeroDivisionError" in by_name["bad"].data.tags[names.ERROR]
    assert "after" not in by_name


def test_values_of_every_kind_pass_between_steps(make_notebook, tmp_path, tracking_uri):
    path = make_notebook([
        "import numpy as np\nimport pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier",
        ("%%track --name make\nframe = pd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})\n"
        "arr = np.arange(6).reshape(2, 3)\nmeta = {'k': [1, 2]}\nfn = lambda v: v + 1\n"
         "unfitted = RandomForestClassifier()"),  # its len() raises: still kept
        "%%track --name use --metric total\ntotal = float(frame['a'].sum() + arr.sum() + len(meta['k']) + fn(1))",
    ])
    export_notebook(path, out=tmp_path / "o", observe=False)
    result = run_pipeline(tmp_path / "o" / "nb")
    assert result.metrics["use"]["total"] == 3 + 15 + 2 + 2
    run = MlflowClient(tracking_uri).get_run(result.outcomes["make"].run_id)
    formats = {o["name"]: o["format"] for o in json.loads(run.data.tags[names.DATA_OUTPUTS])}
    assert formats == {"frame": "parquet", "arr": "npy", "meta": "joblib", "fn": "cloudpickle",
                       "unfitted": "joblib"}
    import numpy as np

    from jupyter_mlops.core.tracking.fingerprint import fingerprint

    digests = {o["name"]: o["digest"] for o in json.loads(run.data.tags[names.DATA_OUTPUTS])}
    assert digests["arr"] == fingerprint(np.arange(6).reshape(2, 3)).digest


@pytest.mark.slow
def test_command_line(demo, tracking_uri):
    env = subprocess_env(MLFLOW_TRACKING_URI=tracking_uri)
    done = subprocess.run([sys.executable, "-m", demo.name, "--json", "-p", "max_depth=3"],
                          cwd=demo.parent, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert set(summary["steps"]) == {"load_data", "split", "scale", "train_logreg", "train_tree"}
    bad = subprocess.run([sys.executable, "-m", demo.name, "-p", "nope=1"], cwd=demo.parent, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 1 and "unknown parameter(s) nope" in bad.stderr
    assert "max_depth" in subprocess.run([sys.executable, "-m", demo.name, "--help"], cwd=demo.parent,
                                         env=env, capture_output=True, text=True, check=False).stdout


def test_prints_of_parallel_steps_are_kept_apart(make_notebook, tmp_path, tracking_uri, capsys):
    path = make_notebook([
        "import time",
        "%%track --name left\nfor i in range(20):\n    print('left', i)\n    time.sleep(0.005)\nleft = 1",
        "%%track --name right\nfor i in range(20):\n    print('right', i)\n    time.sleep(0.005)\nright = 2",
        "%%track --name both\nimport sys\nprint('oops', file=sys.stderr)\ntotal = left + right\ndisplay(total)",
    ])
    export_notebook(path, out=tmp_path / "o", observe=False)
    result = run_pipeline(tmp_path / "o" / "nb")
    client = MlflowClient(tracking_uri)
    for side in ("left", "right"):
        run_id = result.outcomes[side].run_id
        text = client.download_artifacts(run_id, names.ARTIFACT_STDOUT, str(tmp_path / side))
        lines = Path(text).read_text().split("\n")
        assert lines[:20] == [f"{side} {i}" for i in range(20)]
    stderr = client.download_artifacts(result.outcomes["both"].run_id, names.ARTIFACT_STDERR, str(tmp_path / "b"))
    assert Path(stderr).read_text() == "oops\n"
    stdout = client.download_artifacts(result.outcomes["both"].run_id, names.ARTIFACT_STDOUT, str(tmp_path / "b"))
    assert Path(stdout).read_text() == "3\n"  # display() works outside Jupyter
    captured = capsys.readouterr()
    assert "[left] left 19" in captured.err and "left 0" not in captured.out


def test_unpassable_value_fails_with_its_name(make_notebook, tmp_path, tracking_uri):
    path = make_notebook(["%%track --name make\nimport threading\nlock = threading.Lock()\nkeep = threading.Lock()",
                          "%%track --name use\nwith lock:\n    n = 1"])
    report = export_notebook(path, out=tmp_path / "o", observe=False)
    assert any("'lock'" in f.message for f in report.warnings)  # warned at export time
    with pytest.raises(StepFailed, match=r"'lock' \(_thread\.lock\) cannot be passed to the next step"):
        run_pipeline(tmp_path / "o" / "nb")
