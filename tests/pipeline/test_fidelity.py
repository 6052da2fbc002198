"""Fidelity: run the example notebook in a real kernel with %%track, export it, run the
pipeline, and compare: same metrics, same data digests, lineage back to the cells' runs."""

import json
import shutil
import sys

import pytest
from mlflow import MlflowClient

from jupyter_mlops.core import names
from jupyter_mlops.pipeline import export_notebook
from jupyter_mlops.pipeline.runner import run_pipeline

from .conftest import EXAMPLE, subprocess_env


def run_in_kernel(notebook, env: dict, timeout: float = 120) -> None:
    """Execute every code cell as JupyterLab does: in order, with the cell id in the
    execute request's metadata."""
    from jupyter_client.manager import start_new_kernel

    cells = json.loads(notebook.read_text())["cells"]
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(notebook.parent),
                                       extra_arguments=["--HistoryManager.enabled=False"])
    try:
        sources = [(c["id"], "".join(c["source"])) for c in cells if c["cell_type"] == "code"]
        sources.append(("sync", "%mlops sync --timeout 60"))
        for cell_id, source in sources:
            content = {"code": source, "silent": False, "store_history": True, "user_expressions": {},
                       "allow_stdin": False, "stop_on_error": True}
            msg = client.session.msg("execute_request", content, metadata={"cellId": cell_id})
            client.shell_channel.send(msg)
            reply = client.get_shell_msg(timeout=timeout)
            while reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                reply = client.get_shell_msg(timeout=timeout)
            assert reply["content"]["status"] == "ok", (cell_id, reply["content"])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.slow
def test_pipeline_reproduces_the_notebook(tmp_path, tracking_uri):
    notebook = tmp_path / "pipeline_demo.ipynb"
    shutil.copy(EXAMPLE, notebook)
    env = subprocess_env(MLFLOW_TRACKING_URI=tracking_uri, JUPYTER_MLOPS_ROOT=tmp_path,
                         JPY_SESSION_NAME=notebook, PYTHONUNBUFFERED=1)
    env["PATH"] = f"{sys.exec_prefix}/bin:" + env.get("PATH", "")
    run_in_kernel(notebook, env)

    client = MlflowClient(tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    tracked = client.search_runs(experiments, filter_string=f"tags.`{names.KIND}` = 'cell'")
    by_cell = {r.data.tags[names.CELL_ID]: r for r in tracked}
    assert {"demo-03", "demo-05", "demo-06", "demo-07", "demo-08"} <= set(by_cell)

    report = export_notebook(notebook, "python", tmp_path / "out", tracking_uri=tracking_uri)
    assert not [f for f in report.warnings if f.kind in ("edited", "observed", "hidden_state")], report.warnings
    steps = {s["name"]: s for s in report.steps}
    assert steps["train_logreg"]["source_run_id"] == by_cell["demo-07"].info.run_id

    result = run_pipeline(tmp_path / "out" / report.name)
    # Pipeline runs go beside the notebook's runs, so one experiment holds the whole lineage.
    assert result.experiment_id == by_cell["demo-07"].info.experiment_id
    # Same metrics as the notebook's tracked runs (deterministic code).
    assert result.metrics["train_logreg"]["accuracy"] == by_cell["demo-07"].data.metrics["accuracy"]
    assert result.metrics["train_tree"]["tree_accuracy"] == by_cell["demo-08"].data.metrics["tree_accuracy"]
    # Lineage joins: each step run points at the cell's run, and the data it wrote has the
    # digest the notebook recorded for the same name.
    for step, cell_id in (("load_data", "demo-03"), ("split", "demo-05"), ("scale", "demo-06")):
        run = client.get_run(result.outcomes[step].run_id)
        assert run.data.tags["mlops.pipeline.source_run"] == by_cell[cell_id].info.run_id
        ours = {o["name"]: o["digest"] for o in json.loads(run.data.tags[names.DATA_OUTPUTS])}
        theirs = {o["name"]: o["digest"] for o in json.loads(by_cell[cell_id].data.tags[names.DATA_OUTPUTS])}
        shared = set(ours) & set(theirs)
        assert shared, (step, ours, theirs)
        assert {n: ours[n] for n in shared} == {n: theirs[n] for n in shared}

    # The registered model traces to both: version -> pipeline step run -> notebook cell run.
    import mlflow

    from jupyter_mlops.pipeline.runner import step as runner_step

    logreg = client.get_run(result.outcomes["train_logreg"].run_id)
    outputs = {o["name"]: o for o in json.loads(logreg.data.tags[names.DATA_OUTPUTS])}
    model = runner_step.load_output(client, {**outputs["model"], "run_id": logreg.info.run_id}, tmp_path / "m")
    mlflow.set_tracking_uri(tracking_uri)
    with mlflow.start_run(run_id=logreg.info.run_id):
        info = mlflow.sklearn.log_model(model, name="model", pip_requirements=["scikit-learn"])
    version = mlflow.register_model(info.model_uri, "pipeline-demo")
    source = client.get_run(version.run_id)
    assert source.data.tags["mlops.pipeline.step"] == "train_logreg"
    assert source.data.tags["mlops.pipeline.source_run"] == by_cell["demo-07"].info.run_id

    from jupyter_mlops.core.lineage.graph import lineage_graph

    graph = lineage_graph(client, model=f"pipeline-demo/{version.version}")
    run_ids = {n["run_id"] for n in graph["nodes"] if n["kind"] == "run"}
    assert logreg.info.run_id in run_ids
    # ... and back through the step to the notebook cell's run it was exported from
    assert by_cell["demo-07"].info.run_id in run_ids
    assert {"source": f"run:{by_cell['demo-07'].info.run_id}", "target": f"run:{logreg.info.run_id}",
            "kind": "exported"} in graph["edges"]
