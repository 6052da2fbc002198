"""The quickstart notebook runs end to end in a real kernel and leaves its runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from mlflow import MlflowClient
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.slow
@pytest.mark.usefixtures("drainer_process")  # as the README runs it: the default drainer process
def test_quickstart_runs_and_records(mlops_root):
    notebook = mlops_root / "quickstart.ipynb"
    shutil.copy(EXAMPLES / "quickstart.ipynb", notebook)
    os.environ["JPY_SESSION_NAME"] = str(notebook)
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(mlops_root)}}).execute()
    client = MlflowClient(f"sqlite:///{mlops_root}/.mlops/mlflow.db")
    experiment = client.get_experiment_by_name("quickstart.ipynb")
    assert experiment is not None
    # %runs synced the journal before it listed the runs
    runs = {r.info.run_name: r for r in client.search_runs([experiment.experiment_id])}
    assert set(runs) == {"split", "train"}
    assert runs["split"].data.params == {"test_size": "0.25", "seed": "7"}
    train = runs["train"].data
    assert train.params["C"] == "1.0" and train.params["max_iter"] == "500"
    assert 0.8 < train.metrics["accuracy"] <= 1.0 and "train_accuracy" in train.metrics
    roles = {(d.dataset.name, d.tags[0].value) for d in runs["split"].inputs.dataset_inputs}
    assert {("flowers", "input"), ("train", "output"), ("test", "output")} <= roles
    # %runs printed a table with both runs
    table = [o for o in nb.cells[8].outputs if o.output_type == "execute_result"][0]["data"]["text/plain"]
    assert "split" in table and "train" in table
