"""%%track in a real IPython shell against the real embedded SQLite store."""

from __future__ import annotations

import json
import subprocess

import pytest
from IPython.core.error import UsageError

from mlops_testing import all_runs, client, run, sync


def only_run(experiment=None):
    runs = all_runs(experiment)
    runs = [r for r in runs if r.data.tags.get("mlops.kind") == "cell"]
    assert len(runs) == 1, [r.info.run_name for r in runs]
    return runs[0]


def artifact_text(run_id: str, path: str) -> str:
    import mlflow.artifacts

    return mlflow.artifacts.load_text(f"{client().get_run(run_id).info.artifact_uri}/{path}")


def test_tracked_cell_is_one_complete_run(ip, mlops_root):
    subprocess.run(["git", "init", "-q"], cwd=mlops_root, check=True)
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "init"],
                   cwd=mlops_root, check=True)
    first = ip.execution_count
    run(ip, "import numpy as np, pandas as pd\nscale = 3")
    run(ip, "raw = pd.DataFrame({'x': np.arange(1000.0), 'y': np.arange(1000) % 7})")
    result = run(ip, "%%track --name first -p seed=42 -t team=vision -m accuracy\n"
                     "lr = 0.05\nepochs = 3\nfeatures = raw * scale\n"
                     "accuracy = float(features.x.mean() / 1000)\nprint('trained')")
    assert result.success
    assert ip.user_ns["accuracy"] == pytest.approx(1.4985)  # the cell ran in the user namespace
    sync(ip)
    tracked = only_run()
    data = tracked.data
    assert tracked.info.status == "FINISHED" and tracked.info.run_name == "first"
    assert data.params == {"seed": "42", "lr": "0.05", "epochs": "3"}
    assert data.metrics == {"accuracy": pytest.approx(1.4985)}
    assert data.tags["team"] == "vision"
    assert data.tags["mlflow.source.type"] == "NOTEBOOK"
    assert data.tags["mlops.cell.source"].startswith("lr = 0.05")
    assert len(data.tags["mlops.cell.hash"]) == 32
    assert data.tags["mlops.cell.execution_count"] == str(first + 2)
    assert data.tags["mlops.git.commit"] and data.tags["mlops.git.dirty"] in ("true", "false")
    assert data.tags["mlops.env.hash"] and data.tags["mlops.python"]
    env_run = client().get_run(data.tags["mlops.env.run_id"])
    assert "ipython==" in artifact_text(env_run.info.run_id, "requirements.txt").lower()
    # the cells that defined what this one reads
    deps = json.loads(data.tags["mlops.cell.depends_on"])
    assert [d["execution_count"] for d in deps] == [first, first + 1]
    assert "raw = pd.DataFrame" in artifact_text(tracked.info.run_id, "mlops/dependencies.py")
    assert artifact_text(tracked.info.run_id, "mlops/stdout.txt") == "trained\n"
    # data: raw was read, features written, both with full-content fingerprints
    datasets = {(d.dataset.name, d.tags[0].value): d.dataset for d in tracked.inputs.dataset_inputs}
    from jupyter_mlops.core.tracking.fingerprint import fingerprint

    assert datasets[("raw", "input")].digest == fingerprint(ip.user_ns["raw"]).digest
    assert datasets[("features", "output")].digest == fingerprint(ip.user_ns["features"]).digest
    assert tracked.info.end_time >= tracked.info.start_time


def test_cell_output_and_namespace_are_unchanged(ip, capsys):
    run(ip, "%%track -q\nvalue = 6 * 7\nprint('answer', value)")
    assert ip.user_ns["value"] == 42
    assert "answer 42" in capsys.readouterr().out


def test_failing_cell_reraises_and_leaves_a_failed_run(ip):
    result = run(ip, "%%track\nx = 1\nraise ValueError('bad batch')")
    assert isinstance(result.error_in_exec, ValueError) and not result.success
    sync(ip)
    failed = only_run()
    assert failed.info.status == "FAILED"
    assert failed.data.tags["mlops.error"] == "ValueError: bad batch"
    assert "raise ValueError('bad batch')" in artifact_text(failed.info.run_id, "mlops/traceback.txt")
    assert failed.data.params == {"x": "1"}


@pytest.mark.slow
def test_interrupted_cell_is_killed(ip):
    result = run(ip, "%%track\nraise KeyboardInterrupt")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    sync(ip)
    assert only_run().info.status == "KILLED"


@pytest.mark.parametrize("line, message", [
    ("%%track --bogus", "unrecognized arguments"),
    ("%%track --param lr", "is not KEY=VALUE"),
    ("%%track --tag =x", "is not KEY=VALUE"),
    ("%%track --metric nothing_here", "does not assign 'nothing_here'"),
    ("%%track --metric 3x", "is not a variable name"),
])
def test_bad_magic_line_is_a_usage_error_and_creates_no_run(ip, line, message, capsys):
    result = run(ip, f"{line}\nx = 1")
    assert not result.success
    assert message in capsys.readouterr().err + str(result.error_in_exec)
    assert "x" not in ip.user_ns  # the cell did not run
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.tracking.journal import Journal

    assert Journal(resolve().state_dir).conn.execute("select count(*) from runs").fetchone()[0] == 0
    assert run(ip, "y = 2").success  # the kernel keeps working


def test_empty_cell_is_a_usage_error(ip, capsys):
    result = run(ip, "%%track\n   \n")
    assert not result.success and "needs code" in capsys.readouterr().err + str(result.error_in_exec)


@pytest.mark.slow
def test_non_numeric_metric_is_reported_and_the_run_kept(ip, capsys):
    run(ip, "%%track -m label -m scores\nlabel = 'cat'\nscores = {'f1': 0.5, 'auc': 0.75}")
    assert "--metric label is str, not a number" in capsys.readouterr().out
    sync(ip)
    tracked = only_run()
    assert tracked.data.metrics == {"f1": 0.5, "auc": 0.75}
    assert "label is str" in tracked.data.tags["mlops.warning"]


@pytest.mark.slow
def test_mlflow_calls_in_the_cell_land_in_the_tracked_run(ip):
    # mlflow imported inside the tracked cell: the import hook activates the run
    run(ip, "%%track --name own-logging\nimport mlflow\n"
            "mlflow.log_metric('inside', 3.0)\nmlflow.set_tag('who', 'cell')")
    run(ip, "%%track --name second\nmlflow.log_param('batch', 64)")
    sync(ip)
    runs = {r.info.run_name: r for r in all_runs()}
    assert runs["own-logging"].data.metrics == {"inside": 3.0}
    assert runs["own-logging"].data.tags["who"] == "cell"
    assert runs["second"].data.params["batch"] == "64"
    import mlflow

    assert mlflow.active_run() is None  # nothing left active after the cells


@pytest.mark.slow
def test_secrets_are_redacted(ip):
    run(ip, "%%track -p password=hunter2 -p db=postgresql://bob:s3cret@db/x -t token=abc123def\n"
            "api_key = 'sk-abcdefghijklmnopqrstuvwxyz123456'\nprint('key is', api_key)")
    sync(ip)
    tracked = only_run()
    everything = json.dumps([tracked.data.params, tracked.data.tags])
    for secret in ("hunter2", "s3cret", "abc123def", "sk-abcdefghijklmnopqrstuvwxyz123456"):
        assert secret not in everything
    assert secret not in artifact_text(tracked.info.run_id, "mlops/stdout.txt")
    assert tracked.data.params["db"] == "postgresql://bob:***@db/x"


@pytest.mark.slow
def test_matplotlib_figure_is_kept_as_png(ip):
    run(ip, "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt")
    run(ip, "%%track\nfig = plt.figure()\nplt.plot([1, 2, 3])")
    sync(ip)
    tracked = only_run()
    artifacts = [a.path for a in client().list_artifacts(tracked.info.run_id, "mlops/figures")]
    assert artifacts == ["mlops/figures/figure-1.png"]
    run(ip, "plt.close('all')")


@pytest.mark.slow
def test_unfingerprintable_objects_are_described_not_errors(ip):
    run(ip, "import pandas as pd\nodd = pd.Series([[1], [2, 3]])")
    result = run(ip, "%%track\nsize = len(odd)")
    assert result.success
    sync(ip)
    inputs = json.loads(only_run().data.tags["mlops.data.inputs"])
    assert len(inputs) == 1 and inputs[0]["digest"] is None and inputs[0]["shape"] == [2]
    assert inputs[0]["name"] == "odd" and inputs[0]["kind"].endswith("Series")


def test_runs_magic_lists_this_notebooks_runs(ip):
    run(ip, "%%track -q\nalpha = 0.5\nscore = 0.9")
    run(ip, "%%track -q -m score\nalpha = 0.7\nscore = 0.8")
    frame = ip.run_line_magic("runs", "--wait 120")  # waits for the journal itself
    assert len(frame) == 2
    assert sorted(frame["params.alpha"]) == ["0.5", "0.7"]
    assert frame["metrics.score"].dropna().tolist() == [0.8]
    bad = run(ip, "%runs --filter 'metrics.score >>> 1'")
    assert not bad.success
    for line in ("--wait -1", "--wait nan", "--wait 1e9"):
        with pytest.raises(UsageError, match="--wait must be between"):
            ip.run_line_magic("runs", line)


def test_status_hides_credentials(ip, capsys, monkeypatch):
    run(ip, "%mlops status")
    out = capsys.readouterr().out
    assert "tracking URI" in out and "backlog      : 0" in out


@pytest.mark.slow
def test_autolog_in_a_tracked_cell_logs_into_its_run(ip):
    run(ip, "import mlflow\nfrom sklearn.linear_model import LinearRegression\nimport numpy as np\n"
            "X = np.arange(20.0).reshape(10, 2)\ny = X @ [1.0, 2.0]")
    run(ip, "%%track --name autologged\nmlflow.sklearn.autolog(log_models=False, log_datasets=False)\n"
            "fitted = LinearRegression().fit(X, y)\nmlflow.sklearn.autolog(disable=True)")
    sync(ip)
    tracked = only_run()
    assert tracked.info.run_name == "autologged" and tracked.info.status == "FINISHED"
    assert "training_score" in tracked.data.metrics  # autolog wrote into the tracked run
    assert tracked.data.params["fit_intercept"] == "True"


@pytest.mark.slow
def test_summary_links_to_the_mlflow_ui_when_configured(ip, monkeypatch):
    import os

    os.environ["JUPYTER_MLOPS_UI_URL"] = "http://mlflow.example:5000"
    from jupyter_mlops.kernel import load_ipython_extension

    load_ipython_extension(ip)
    run(ip, "%%track -q -e warmup\nx = 1")
    sync(ip)  # the drainer is up: new runs are created within milliseconds of their start
    shown = []
    monkeypatch.setattr(ip.display_pub, "publish", lambda data, *a, **k: shown.append(data))
    run(ip, "%%track --name linked\nimport time\ntime.sleep(1.5)")  # long enough for the drainer to create it
    html = "".join(d.get("text/html", "") for d in shown)
    assert "linked" in html and "FINISHED" in html
    sync(ip)
    tracked = only_run("Default")
    assert f"/#/experiments/{tracked.info.experiment_id}/runs/{tracked.info.run_id}" in html


def test_unreachable_server_is_reported_and_the_run_kept(ip, capsys):
    import os

    from mlops_testing import free_port

    os.environ["MLFLOW_TRACKING_URI"] = f"http://alice:pa55word@127.0.0.1:{free_port()}"
    from jupyter_mlops.kernel import load_ipython_extension

    load_ipython_extension(ip)
    result = run(ip, "%%track -q\nz = 3")
    assert result.success and ip.user_ns["z"] == 3
    out = capsys.readouterr().out
    assert "does not answer" in out and "pa55word" not in out and "alice:***@" not in out
    run(ip, "%mlops status")
    status = capsys.readouterr().out
    assert "http://***@127.0.0.1" in status and "pa55word" not in status
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.tracking.journal import Journal

    assert Journal(resolve().state_dir).backlog() >= 2  # start + finish wait in the journal


@pytest.mark.slow
def test_frame_changed_in_place_is_an_output(ip):
    run(ip, "import pandas as pd\nraw = pd.DataFrame({'v': [1.0, None, 3.0]})\nkeep = pd.DataFrame({'w': [1]})")
    run(ip, "%%track -q\nraw.dropna(inplace=True)\nn = len(keep)")
    sync(ip)
    roles = {(d.dataset.name, d.tags[0].value) for d in only_run().inputs.dataset_inputs}
    assert roles == {("raw", "input"), ("raw", "output"), ("keep", "input")}


@pytest.mark.slow
def test_quoted_options_are_unquoted(ip):
    run(ip, '%%track -q --name "first try" -t note="two words"\nv = 1')
    sync(ip)
    tracked = only_run()
    assert tracked.info.run_name == "first try" and tracked.data.tags["note"] == "two words"
