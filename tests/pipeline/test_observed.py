"""Cross-checks against what %%track recorded, with runs seeded through MlflowClient
under the tags the kernel writes (core/names.py)."""

import json

from mlflow import MlflowClient

from jupyter_mlops.core import names
from jupyter_mlops.pipeline import export_notebook


def seed(client, cell_id, source, inputs=(), outputs=(), notebook="nb.ipynb"):
    experiment = client.get_experiment_by_name("nb.ipynb") or client.create_experiment("nb.ipynb")
    experiment_id = experiment if isinstance(experiment, str) else experiment.experiment_id
    run = client.create_run(experiment_id, tags={
        names.KIND: "cell", names.NOTEBOOK: notebook, names.CELL_ID: cell_id, names.CELL_SOURCE: source,
        names.DATA_INPUTS: json.dumps([{"name": n, "digest": "0" * 32, "kind": k, "shape": None}
                                       for n, k in inputs]),
        names.DATA_OUTPUTS: json.dumps([{"name": n, "digest": "1" * 32, "kind": k, "shape": None}
                                        for n, k in outputs]),
    })
    client.set_terminated(run.info.run_id)
    return run.info.run_id


def by_kind(report, kind):
    return [f.message for f in report.findings if f.kind == kind]


def test_lineage_and_edited_cells(make_notebook, tmp_path, tracking_uri):
    client = MlflowClient(tracking_uri)
    path = make_notebook(["%%track --name a\nx = [1, 2]", "%%track --name b\ny = len(x)"])
    first = seed(client, "c0", "x = [1, 2]", outputs=[("x", "builtins.list")])
    seed(client, "c1", "y = len(x) + 1", inputs=[("x", "builtins.list")])  # since edited
    report = export_notebook(path, out=tmp_path / "o", tracking_uri=tracking_uri)
    steps = {s["name"]: s for s in report.steps}
    assert steps["a"]["source_run_id"] == first
    edited = by_kind(report, "edited")
    assert len(edited) == 1 and "cell 2 (id c1)" in edited[0]
    spec = json.loads((tmp_path / "o" / "nb" / "pipeline.json").read_text())
    assert spec["steps"][0]["source_run_id"] == first


def test_names_only_a_deleted_cell_wrote(make_notebook, tmp_path, tracking_uri):
    client = MlflowClient(tracking_uri)
    path = make_notebook(["%%track --name use\ntotal = sum(data)"])
    seed(client, "gone", "data = [1, 2]", outputs=[("data", "builtins.list")])
    seed(client, "c0", "total = sum(data)", inputs=[("data", "builtins.list")])
    report = export_notebook(path, out=tmp_path / "o", tracking_uri=tracking_uri)
    messages = " ".join(by_kind(report, "hidden_state"))
    assert "no longer in the notebook (id gone)" in messages


def test_names_only_an_edited_cell_wrote(make_notebook, tmp_path, tracking_uri):
    client = MlflowClient(tracking_uri)
    path = make_notebook(["%%track --name make\nitems = [1, 2]", "%%track --name use\ntotal = sum(data)"])
    seed(client, "c0", "data = [1, 2]", outputs=[("data", "builtins.list")])
    seed(client, "c1", "total = sum(data)", inputs=[("data", "builtins.list")])
    report = export_notebook(path, out=tmp_path / "o", tracking_uri=tracking_uri)
    messages = " ".join(by_kind(report, "hidden_state"))
    assert "only cell 1 (id c0) before it was edited" in messages
    assert any("cell 1 (id c0) (step 'make') was edited" in m for m in by_kind(report, "edited"))


def test_reads_the_code_does_not_show(make_notebook, tmp_path, tracking_uri):
    client = MlflowClient(tracking_uri)
    path = make_notebook(["%%track --name a\nx = 1", "%%track --name b\ny = eval('x') + 1"])
    seed(client, "c0", "x = 1", outputs=[("x", "builtins.int")])
    seed(client, "c1", "y = eval('x') + 1", inputs=[("x", "builtins.int")])
    report = export_notebook(path, out=tmp_path / "o", tracking_uri=tracking_uri)
    assert any("read 'x' when tracked" in m for m in by_kind(report, "observed"))


def test_unpassable_kinds_recorded_at_run_time(make_notebook, tmp_path, tracking_uri):
    client = MlflowClient(tracking_uri)
    path = make_notebook(["%%track --name a\nconn = make()", "%%track --name b\nrows = conn.query()"])
    seed(client, "c0", "conn = make()", outputs=[("conn", "sqlite3.Connection")])
    report = export_notebook(path, out=tmp_path / "o", tracking_uri=tracking_uri)
    assert any("sqlite3.Connection" in m for m in by_kind(report, "unpassable"))


def test_unreachable_store_is_a_finding_not_a_failure(make_notebook, tmp_path):
    path = make_notebook(["%%track --name a\nx = 1"])
    report = export_notebook(path, out=tmp_path / "o", tracking_uri="http://127.0.0.1:9/")
    assert any("could not read" in m for m in by_kind(report, "observed"))
    assert (tmp_path / "o" / "nb" / "pipeline.json").exists()


def test_progress_is_reported(make_notebook, tmp_path):
    events = []
    export_notebook(make_notebook(["%%track --name a\nx = 1"]), out=tmp_path / "o", observe=False,
                    progress=events.append)
    fractions = [e["fraction"] for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {e["stage"] for e in events} >= {"read", "analyse", "write", "done"}
