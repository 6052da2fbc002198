"""A notebook's experiment follows it through renames (core/tracking/notebooks.py), and
lineage takes runs from before and after a rename as one notebook's."""

from __future__ import annotations

import json
import time

from jupyter_mlops.core import names, store
from jupyter_mlops.core.config import resolve
from jupyter_mlops.core.lineage.graph import lineage_graph
from jupyter_mlops.core.tracking import notebooks
from mlops_testing import client

DIGEST = "d" * 32


def _run(mlflow_client, experiment: str, notebook: str, role: str) -> str:
    experiment_id = store.experiment_id(mlflow_client, experiment)
    tag = names.DATA_OUTPUTS if role == "output" else names.DATA_INPUTS
    run = mlflow_client.create_run(experiment_id, run_name=f"{notebook}:{role}", tags={
        names.NOTEBOOK: notebook, names.KIND: "cell",
        tag: json.dumps([{"name": "raw", "digest": DIGEST, "kind": "numpy", "shape": [3]}])})
    mlflow_client.set_terminated(run.info.run_id)
    time.sleep(0.01)  # distinct start times
    return run.info.run_id


def test_lineage_prefers_the_producer_in_the_renamed_notebook(mlops_root):
    mlflow_client = client()
    settings = resolve()
    load = _run(mlflow_client, "Untitled.ipynb", "Untitled.ipynb", "output")
    _run(mlflow_client, "other.ipynb", "other.ipynb", "output")  # later, same content, another notebook
    assert notebooks.rename(mlflow_client, settings.state_dir, "Untitled.ipynb", "iris.ipynb") == [
        ("Untitled.ipynb", "iris.ipynb")]
    fit = _run(mlflow_client, "iris.ipynb", "iris.ipynb", "input")
    graph = lineage_graph(mlflow_client, run_id=fit)
    feeds = {(e["source"], e["target"]) for e in graph["edges"] if e["kind"] == "feeds"}
    assert feeds == {(f"run:{load}", f"run:{fit}")}
    notebook_of = {n["id"]: n.get("notebook") for n in graph["nodes"]}
    assert notebook_of[f"run:{load}"] == "iris.ipynb"


def test_kernel_paths_and_the_rename_marker(tmp_path):
    assert notebooks.rename_generation(tmp_path) == 0
    assert notebooks.kernel_path(tmp_path, "k-1") is None
    notebooks.record_kernel_path(tmp_path, "k-1", "a/b.ipynb")
    notebooks.record_kernel_path(tmp_path, "k-2", "c.ipynb")
    notebooks.record_kernel_path(tmp_path, "../escape", "x.ipynb")  # not a kernel id: ignored
    assert notebooks.kernel_path(tmp_path, "k-1") == "a/b.ipynb"
    notebooks.forget_kernels(tmp_path, ["k-2"])
    assert (notebooks.kernel_path(tmp_path, "k-1"), notebooks.kernel_path(tmp_path, "k-2")) == (None, "c.ipynb")
    assert not (tmp_path / "x.ipynb").exists() and not (tmp_path.parent / "escape").exists()


def test_current_path_maps_only_former_paths_of_the_runs_experiment():
    tags = {names.NOTEBOOK: "new.ipynb", names.NOTEBOOK_FORMER_PATHS: json.dumps(["old.ipynb"])}
    assert notebooks.current_path("old.ipynb", tags) == "new.ipynb"
    assert notebooks.current_path("elsewhere.ipynb", tags) == "elsewhere.ipynb"
    assert notebooks.current_path("old.ipynb", {}) == "old.ipynb"
    assert notebooks.current_path(None, tags) is None
    assert notebooks.current_path("old.ipynb", {names.NOTEBOOK_FORMER_PATHS: "not json"}) == "old.ipynb"


def test_a_rename_racing_another_lists_each_former_path_once(mlops_root):
    """Two movers of one experiment (a rename and an adoption) may both read it before either
    renames it: the second sees the first's tags on the old name, and must not add the old
    path again nor rename twice."""
    mlflow_client = client()
    settings = resolve()
    experiment_id = store.experiment_id(mlflow_client, "Untitled.ipynb")
    first_read = mlflow_client.get_experiment(experiment_id)
    mlflow_client.set_experiment_tag(experiment_id, names.NOTEBOOK, "work/a.ipynb")  # the first mover's tags
    mlflow_client.set_experiment_tag(experiment_id, names.NOTEBOOK_FORMER_PATHS, json.dumps(["Untitled.ipynb"]))
    second_read = mlflow_client.get_experiment(experiment_id)  # new tags, old name
    notebooks._rename_experiment(mlflow_client, first_read, "work/a.ipynb")  # the first mover finishes
    notebooks._rename_experiment(mlflow_client, second_read, "work/a.ipynb")  # then the second
    experiment = mlflow_client.get_experiment(experiment_id)
    assert experiment.name == "work/a.ipynb"
    assert notebooks.former_paths(experiment.tags) == ["Untitled.ipynb"]
    # A later rename appends; renaming back drops the path it returns to.
    assert notebooks.rename(mlflow_client, settings.state_dir, "work/a.ipynb", "b.ipynb") == [
        ("work/a.ipynb", "b.ipynb")]
    assert notebooks.rename(mlflow_client, settings.state_dir, "b.ipynb", "Untitled.ipynb") == [
        ("b.ipynb", "Untitled.ipynb")]
    assert notebooks.former_paths(mlflow_client.get_experiment(experiment_id).tags) == [
        "work/a.ipynb", "b.ipynb"]
