"""%%track in a real ipykernel, driven over ZMQ like JupyterLab drives it."""

from __future__ import annotations

import os
import signal
import time

import pytest
from jupyter_client.manager import start_new_kernel
from mlflow import MlflowClient

from jupyter_mlops.core.config import embedded_uri


@pytest.fixture
def kernel(mlops_root, drainer_process):
    """A real kernel, its drainer a process of its own as in production."""
    notebook = mlops_root / "analysis" / "churn.ipynb"
    notebook.parent.mkdir()
    notebook.write_text("{}")
    env = {**os.environ, "JPY_SESSION_NAME": str(notebook)}
    manager, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(notebook.parent))
    yield manager, kc
    kc.stop_channels()
    if manager.is_alive():
        manager.shutdown_kernel(now=True)


def execute(kc, code: str, cell_id: str | None = None, timeout: float = 60, stop_on_error: bool = True) -> dict:
    """An execute_request carrying JupyterLab's cellId metadata; returns the reply."""
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
               "allow_stdin": False, "stop_on_error": stop_on_error}
    msg = kc.session.msg("execute_request", content, metadata={"cellId": cell_id} if cell_id else {})
    kc.shell_channel.send(msg)
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            return reply


def store(root):
    return MlflowClient(embedded_uri(root / ".mlops"))


def wait_for(predicate, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_execute_request_cell_id_and_notebook_experiment(kernel, mlops_root):
    _, kc = kernel
    assert execute(kc, "%load_ext jupyter_mlops")["content"]["status"] == "ok"
    reply = execute(kc, "%%track -m loss\nloss = 0.25", cell_id="cell-abc-123")
    assert reply["content"]["status"] == "ok"
    # stop_on_error=False: otherwise ipykernel aborts the requests that follow an error
    # for a moment, and the next request (the sync) could come back "aborted".
    failed = execute(kc, "%%track\nundefined_name + 1", cell_id="cell-err", stop_on_error=False)
    assert failed["content"]["status"] == "error" and failed["content"]["ename"] == "NameError"
    assert execute(kc, "%mlops sync --timeout 60")["content"]["status"] == "ok"
    client = store(mlops_root)
    experiment = client.get_experiment_by_name("analysis/churn.ipynb")
    assert experiment is not None, [e.name for e in client.search_experiments()]
    runs = {r.data.tags["mlops.cell.id"]: r for r in client.search_runs([experiment.experiment_id])}
    assert runs["cell-abc-123"].info.status == "FINISHED"
    assert runs["cell-abc-123"].data.metrics == {"loss": 0.25}
    assert runs["cell-abc-123"].data.tags["mlops.notebook"] == "analysis/churn.ipynb"
    assert runs["cell-abc-123"].data.tags["mlflow.source.name"].endswith("analysis/churn.ipynb")
    assert runs["cell-err"].info.status == "FAILED"


@pytest.mark.slow
def test_killed_kernel_leaves_no_running_run(kernel, mlops_root):
    manager, kc = kernel
    execute(kc, "%load_ext jupyter_mlops")
    msg = kc.session.msg("execute_request", {"code": "%%track --name long\nimport time\ntime.sleep(120)",
                                             "silent": False, "store_history": True, "user_expressions": {},
                                             "allow_stdin": False, "stop_on_error": True})
    kc.shell_channel.send(msg)
    client = store(mlops_root)

    def running_run():
        stored = (mlops_root / ".mlops/mlflow.db").exists()
        experiments = [e.experiment_id for e in client.search_experiments()] if stored else []
        runs = client.search_runs(experiments, filter_string="attributes.run_name = 'long'") if experiments else []
        return runs[0] if runs and runs[0].info.status == "RUNNING" else None

    started = wait_for(running_run)  # the drainer created it while the cell runs
    os.kill(manager.provisioner.process.pid, signal.SIGKILL)
    manager.provisioner.process.wait()
    # the drainer sees the kernel's owner lock released and closes the run
    killed = wait_for(lambda: (r := client.get_run(started.info.run_id)).info.status == "KILLED" and r, timeout=120)
    assert "died" in killed.data.tags["mlops.error"]
    assert killed.info.end_time is not None
