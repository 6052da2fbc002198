"""POST export: a notebook under the Jupyter root -> a pipeline folder beside it, over HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pipeline_demo.ipynb"
from mlops_testing import schema_keys  # noqa: E402 - one copy of the contract helpers


@pytest.fixture
def post(jp_fetch):
    """POST to export (a dict is sent as JSON, bytes as they are); returns (status, json body)."""

    async def send(body):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = await jp_fetch("jupyter-mlops", "api", "export", method="POST", body=raw,
                                  raise_error=False, request_timeout=120)
        return response.code, json.loads(response.body or b"null")

    return send


@pytest.fixture
def demo(jp_root_dir):
    """examples/pipeline_demo.ipynb copied to <root>/work/demo.ipynb."""
    (jp_root_dir / "work").mkdir()
    shutil.copy(EXAMPLE, jp_root_dir / "work" / "demo.ipynb")
    return jp_root_dir / "work" / "demo.ipynb"


def notebook(root: Path, relative: str, *sources: str, raw: str | None = None) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
             for s in sources]
    text = raw if raw is not None else json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                   "nbformat_minor": 5})
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(text)
    return relative


async def test_export_python_package(post, demo, jp_root_dir):
    status, report = await post({"notebook": "work/demo.ipynb", "target": "python"})
    assert status == 201, report
    assert set(report) == schema_keys("ExportReport")
    assert report["notebook"] == "work/demo.ipynb" and report["out"] == "work/demo_pipeline"
    package = jp_root_dir / "work" / "demo_pipeline"
    assert (package / "demo" / "__main__.py").is_file()
    names = [step["name"] for step in report["steps"]]
    assert all((package / "demo" / "steps" / f"{name}.py").is_file() for name in names)
    assert names[:2] == ["load_data", "split"] and "train_tree" in names
    assert all(set(step) == schema_keys("ExportStep") for step in report["steps"])
    assert all(set(f) == schema_keys("ExportFinding") for f in report["findings"])

    # again into the same folder: refused, the first export untouched
    status, body = await post({"notebook": "work/demo.ipynb"})
    assert status == 409 and body["code"] == "exists" and "demo_pipeline" in body["message"]
    assert str(jp_root_dir) not in body["message"]


async def test_export_to_a_named_folder_and_name(post, demo, jp_root_dir):
    status, report = await post({"notebook": "work/demo.ipynb", "target": "python", "out": "out/pipe",
                                 "name": "Churn Flow"})
    assert status == 201 and report["out"] == "out/pipe" and report["name"] == "churn_flow"
    assert (jp_root_dir / "out" / "pipe" / "churn_flow").is_dir()
    assert [p.name for p in (jp_root_dir / "out").iterdir()] == ["pipe"]  # no partial folder left


@pytest.mark.parametrize("body, code", [
    (b"{not json", "invalid_parameter"),
    (b"", "invalid_parameter"),
    ([1, 2], "invalid_parameter"),
    ({}, "invalid_parameter"),
    ({"notebook": ""}, "invalid_parameter"),
    ({"notebook": 3}, "invalid_parameter"),
    ({"notebook": "work/demo.ipynb", "target": "luigi"}, "bad_target"),
    ({"notebook": "work/demo.ipynb", "target": ["python"]}, "invalid_parameter"),
    ({"notebook": "work/demo.ipynb", "colour": "red"}, "invalid_parameter"),
    ({"notebook": "work/demo.ipynb", "name": "x" * 200}, "invalid_parameter"),
    ({"notebook": "work/demo.ipynb\x00"}, "invalid_parameter"),
    ({"notebook": "../demo.ipynb"}, "outside_root"),
    ({"notebook": "work/../../demo.ipynb"}, "outside_root"),
    ({"notebook": str(EXAMPLE)}, "outside_root"),
    ({"notebook": "work/demo.ipynb", "out": "/tmp/elsewhere"}, "outside_root"),
    ({"notebook": "work/demo.ipynb", "out": "work/../../elsewhere"}, "outside_root"),
])
async def test_bad_requests_are_400(post, demo, body, code):
    status, reply = await post(body)
    assert status == 400 and reply["code"] == code and reply["message"], reply


async def test_symlinks_out_of_the_root_are_refused(post, demo, jp_root_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(EXAMPLE, outside / "secret.ipynb")
    (jp_root_dir / "link").symlink_to(outside)
    (jp_root_dir / "nb.ipynb").symlink_to(outside / "secret.ipynb")
    for body in ({"notebook": "link/secret.ipynb"}, {"notebook": "nb.ipynb"},
                 {"notebook": "work/demo.ipynb", "out": "link/pipe"}):
        status, reply = await post(body)
        assert status == 400 and reply["code"] == "outside_root", (body, reply)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.ipynb"]


async def test_missing_notebook_is_404(post, demo):
    status, body = await post({"notebook": "work/nope.ipynb"})
    assert status == 404 and set(body) == {"code", "message"} and body["code"] == "not_found"


async def test_notebook_problems_name_the_cause(post, jp_root_dir):
    status, body = await post({"notebook": notebook(jp_root_dir, "notes.txt", raw="hello")})
    assert status == 400 and body["code"] == "not_notebook"
    status, body = await post({"notebook": notebook(jp_root_dir, "broken.ipynb", raw="{\"cells\": [")})
    assert status == 400 and body["code"] in ("invalid_json", "not_notebook") and "broken.ipynb" in body["message"]
    path = notebook(jp_root_dir, "bad/syntax.ipynb", "%%track\nx = 1\n", "%%track\ny = (x +\n")
    status, body = await post({"notebook": path})
    assert status == 400 and body["code"] == "syntax_error" and body["cell"] == 1, body
    assert set(body) == schema_keys("ExportError")
    assert not any(p.name != "syntax.ipynb" for p in (jp_root_dir / "bad").iterdir())  # nothing half-written
    status, body = await post({"notebook": "bad"})
    assert status == 400 and body["code"] == "not_notebook"


async def test_export_needs_the_write_permission(post, demo, jp_serverapp, jp_root_dir, monkeypatch):
    authorizer = jp_serverapp.web_app.settings["authorizer"]
    asked = []

    def read_only(handler, user, action, resource):
        asked.append((action, resource))
        return action == "read"

    monkeypatch.setattr(authorizer, "is_authorized", read_only)
    status, body = await post({"notebook": "work/demo.ipynb"})
    assert status == 403 and body["code"] == "forbidden" and asked == [("write", "mlops")]
    assert not (jp_root_dir / "work" / "demo_pipeline").exists()
