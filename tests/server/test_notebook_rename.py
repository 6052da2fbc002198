"""A renamed or moved notebook keeps its runs: the experiment follows the notebook, the API
names the notebook's path now, and a running kernel's next %%track lands beside them.
Over a real Jupyter server: contents API renames, a session with a real kernel."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import nbformat
import pytest

from jupyter_mlops.core import names, store
from jupyter_mlops.core.tracking import notebooks
from jupyter_mlops.server import SERVICE_KEY
from jupyter_mlops.server.notebook_events import NotebookFollower


def write_notebook(path, cell_ids):
    notebook = nbformat.v4.new_notebook()
    for cell_id in cell_ids:
        cell = nbformat.v4.new_code_cell("%%track\nx = 1")
        cell.id = cell_id
        notebook.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


async def eventually(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.1)


@pytest.fixture
def rest(jp_fetch):
    async def call(method, *path, body=None):
        response = await jp_fetch(*path, method=method, body=None if body is None else json.dumps(body),
                                  raise_error=False, request_timeout=120)
        return response.code, json.loads(response.body or b"null")

    return call


def experiment_name(client, experiment_id):
    return client.get_experiment(experiment_id).name


async def run_in_kernel(jp_serverapp, kernel_id, code):
    kc = jp_serverapp.kernel_manager.get_kernel(kernel_id).client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=120)
        outputs = []
        reply = await kc.execute_interactive(code, timeout=180, output_hook=outputs.append)
        assert reply["content"]["status"] == "ok", (reply["content"], outputs)
        return outputs
    finally:
        kc.stop_channels()


@pytest.mark.slow
async def test_rename_in_the_contents_api_moves_runs_and_kernel(jp_serverapp, jp_root_dir, rest, api, seed,
                                                                mlflow_client):
    write_notebook(jp_root_dir / "Untitled.ipynb", ["c-one", "c-two"])
    experiment_id = store.experiment_id(mlflow_client, "Untitled.ipynb")
    old_run = seed(mlflow_client, experiment_id, name="before", notebook="Untitled.ipynb", cell_id="c-one")
    status, session = await rest("POST", "api", "sessions", body={
        "path": "Untitled.ipynb", "name": "Untitled.ipynb", "type": "notebook", "kernel": {"name": "python3"}})
    assert status == 201, session
    kernel_id = session["kernel"]["id"]

    # Rename into a new folder, as JupyterLab's "Rename" + move does.
    (jp_root_dir / "work").mkdir()
    status, _ = await rest("PATCH", "api", "contents", "Untitled.ipynb", body={"path": "work/iris_flow.ipynb"})
    assert status == 200
    await eventually(lambda: experiment_name(mlflow_client, experiment_id) == "work/iris_flow.ipynb")
    tags = mlflow_client.get_experiment(experiment_id).tags
    assert tags[names.NOTEBOOK] == "work/iris_flow.ipynb"
    assert json.loads(tags[names.NOTEBOOK_FORMER_PATHS]) == ["Untitled.ipynb"]

    # The runs list names the notebook where it is now; the recorded path stays.
    status, body = await api("runs", experiment_id=experiment_id)
    assert status == 200
    [run] = body["runs"]
    assert (run["run_id"], run["notebook"], run["notebook_recorded"]) == (
        old_run, "work/iris_flow.ipynb", "Untitled.ipynb")
    status, detail = await api(f"runs/{old_run}")
    assert (status, detail["notebook"]) == (200, "work/iris_flow.ipynb")

    # The kernel started as Untitled.ipynb: its next tracked cell lands in the same experiment.
    await run_in_kernel(jp_serverapp, kernel_id, "%load_ext jupyter_mlops\n")
    await run_in_kernel(jp_serverapp, kernel_id, "%%track -q\nlr = 0.5\n")
    await run_in_kernel(jp_serverapp, kernel_id, "%mlops sync --timeout 120\n")
    runs = mlflow_client.search_runs([experiment_id])
    assert len(runs) == 2
    new = next(r for r in runs if r.info.run_id != old_run)
    assert new.data.tags[names.NOTEBOOK] == "work/iris_flow.ipynb"
    assert new.data.params == {"lr": "0.5"}
    assert mlflow_client.get_experiment_by_name("Untitled.ipynb") is None  # no third experiment

    # A new notebook named Untitled.ipynb is another notebook: its own experiment.
    write_notebook(jp_root_dir / "Untitled.ipynb", ["c-new"])
    other = store.experiment_id(mlflow_client, "Untitled.ipynb")
    assert other != experiment_id

    # Renaming the folder moves the notebooks in it.
    status, _ = await rest("PATCH", "api", "contents", "work", body={"path": "done"})
    assert status == 200
    await eventually(lambda: experiment_name(mlflow_client, experiment_id) == "done/iris_flow.ipynb")
    assert json.loads(mlflow_client.get_experiment(experiment_id).tags[names.NOTEBOOK_FORMER_PATHS]) == [
        "Untitled.ipynb", "work/iris_flow.ipynb"]
    assert experiment_name(mlflow_client, other) == "Untitled.ipynb"
    await rest("DELETE", "api", "sessions", session["id"])


async def test_a_notebook_moved_on_disk_is_found_by_its_cell_ids(jp_root_dir, rest, api, seed, mlflow_client):
    write_notebook(jp_root_dir / "churn.ipynb", ["k-1", "k-2"])
    experiment_id = store.experiment_id(mlflow_client, "churn.ipynb")
    run_id = seed(mlflow_client, experiment_id, notebook="churn.ipynb", cell_id="k-2")
    write_notebook(jp_root_dir / "fresh.ipynb", ["z-1"])  # no runs anywhere: nothing to adopt

    (jp_root_dir / "archive").mkdir()
    (jp_root_dir / "churn.ipynb").rename(jp_root_dir / "archive" / "churn_v2.ipynb")
    status, _ = await rest("GET", "api", "contents", "archive", "churn_v2.ipynb")  # JupyterLab opens it
    assert status == 200
    await eventually(lambda: experiment_name(mlflow_client, experiment_id) == "archive/churn_v2.ipynb")
    status, _ = await rest("GET", "api", "contents", "fresh.ipynb")
    assert status == 200
    status, detail = await api(f"runs/{run_id}")
    assert (status, detail["notebook"], detail["cell_id"]) == (200, "archive/churn_v2.ipynb", "k-2")
    assert mlflow_client.get_experiment_by_name("fresh.ipynb") is None

    # The export finds the runs recorded under the old path and logs beside them.
    status, report = await rest("POST", "jupyter-mlops", "api", "export",
                                body={"notebook": "archive/churn_v2.ipynb", "target": "python"})
    assert status == 201, report
    assert [step["source_run_id"] for step in report["steps"]] == [None, run_id]
    spec = json.loads((jp_root_dir / report["out"] / "churn_v2" / "pipeline.json").read_text())
    assert spec["experiment"] == "archive/churn_v2.ipynb"


async def test_rename_and_open_events_together_move_the_experiment_once(jp_serverapp, jp_root_dir, seed,
                                                                         mlflow_client, monkeypatch):
    """A PATCH rename emits "rename" and then "get" of the new path; the listener runs both
    concurrently, and the adoption the "get" starts must wait for the rename, not repeat it."""
    write_notebook(jp_root_dir / "Untitled.ipynb", ["r-1"])
    experiment_id = store.experiment_id(mlflow_client, "Untitled.ipynb")
    seed(mlflow_client, experiment_id, notebook="Untitled.ipynb", cell_id="r-1")
    (jp_root_dir / "Untitled.ipynb").rename(jp_root_dir / "moved.ipynb")
    active, most = [], []  # the threads inside a mover (an adoption renames from inside itself)

    def one_at_a_time(real):  # the pause makes two unserialized movers overlap for certain
        def mover(*args):
            active.append(threading.get_ident())
            most.append(len(set(active)))
            try:
                time.sleep(0.3)
                return real(*args)
            finally:
                active.remove(threading.get_ident())
        return mover

    monkeypatch.setattr(notebooks, "rename", one_at_a_time(notebooks.rename))
    monkeypatch.setattr(notebooks, "adopt_moved", one_at_a_time(notebooks.adopt_moved))
    service = jp_serverapp.web_app.settings[SERVICE_KEY]
    follower = NotebookFollower(jp_serverapp, service)
    events = [{"action": "rename", "source_path": "Untitled.ipynb", "path": "moved.ipynb"},
              {"action": "get", "path": "moved.ipynb"}]
    await asyncio.gather(*(follower.on_event(logger=None, schema_id="", data=e) for e in events))
    experiment = mlflow_client.get_experiment(experiment_id)
    assert experiment.name == "moved.ipynb"
    assert json.loads(experiment.tags[names.NOTEBOOK_FORMER_PATHS]) == ["Untitled.ipynb"]
    assert max(most) == 1, "a rename and an adoption ran at the same time"


async def test_a_copy_does_not_take_the_original_experiment(jp_root_dir, rest, seed, mlflow_client):
    write_notebook(jp_root_dir / "a.ipynb", ["q-1"])
    experiment_id = store.experiment_id(mlflow_client, "a.ipynb")
    seed(mlflow_client, experiment_id, notebook="a.ipynb", cell_id="q-1")
    status, copy = await rest("POST", "api", "contents", body={"copy_from": "a.ipynb"})
    assert status == 201
    status, _ = await rest("GET", "api", "contents", copy["path"])
    assert status == 200
    await asyncio.sleep(1.0)  # the listener runs after the reply
    assert experiment_name(mlflow_client, experiment_id) == "a.ipynb"


async def test_a_taken_name_leaves_the_experiment_alone(jp_root_dir, rest, seed, mlflow_client):
    write_notebook(jp_root_dir / "x.ipynb", ["x-1"])
    first = store.experiment_id(mlflow_client, "x.ipynb")
    taken = store.experiment_id(mlflow_client, "y.ipynb")  # an earlier notebook y.ipynb had runs
    status, _ = await rest("PATCH", "api", "contents", "x.ipynb", body={"path": "y.ipynb"})
    assert status == 200
    await asyncio.sleep(1.0)
    assert (experiment_name(mlflow_client, first), experiment_name(mlflow_client, taken)) == ("x.ipynb", "y.ipynb")
