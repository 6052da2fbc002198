"""jupyter_mlops.track(): the %%track record for a block of a script."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from mlflow import MlflowClient

SCRIPT = textwrap.dedent("""
    import numpy as np
    import jupyter_mlops

    features = np.arange(30.0).reshape(10, 3)
    with jupyter_mlops.track("fit", params={"alpha": 0.5}, tags={"stage": "dev"}) as run:
        run.log_data("features", features)
        run.log_metric("loss", 0.125, step=1)
        print("fitting")
    try:
        with jupyter_mlops.track("broken", experiment="failures") as run:
            secret = "password = 'hunter2'"
            raise RuntimeError("no convergence " + secret)
    except RuntimeError:
        print("re-raised")
""")


def test_script_runs_are_recorded(mlops_root):
    script = mlops_root / "train.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "re-raised" in done.stdout  # the exception reached the script
    sync = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "sync", "--timeout", "120"],
                          capture_output=True, text=True, timeout=180)
    assert sync.returncode == 0, sync.stderr
    client = MlflowClient(f"sqlite:///{mlops_root}/.mlops/mlflow.db")
    fit = client.search_runs([client.get_experiment_by_name("train").experiment_id])[0]
    assert fit.info.status == "FINISHED"
    assert fit.data.params == {"alpha": "0.5"} and fit.data.metrics == {"loss": 0.125}
    assert fit.data.tags["stage"] == "dev" and fit.data.tags["mlops.kind"] == "script"
    assert fit.data.tags["mlflow.source.name"] == str(script)
    assert "jupyter_mlops.track" in fit.data.tags["mlops.cell.source"]
    assert fit.inputs.dataset_inputs[0].dataset.name == "features"
    assert fit.data.tags["mlops.env.hash"]
    broken = client.search_runs([client.get_experiment_by_name("failures").experiment_id])[0]
    assert broken.info.status == "FAILED"
    assert broken.data.tags["mlops.error"].startswith("RuntimeError: no convergence")
    assert "hunter2" not in broken.data.tags["mlops.error"]
