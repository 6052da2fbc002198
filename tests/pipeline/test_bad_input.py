"""Bad input gives a clear error naming the cell or path, and writes nothing."""

import pytest

from jupyter_mlops.pipeline import ExportError, export_notebook
from jupyter_mlops.pipeline.cli import export_main


def nothing_written(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith("_pipeline")] == []


def test_not_a_notebook(tmp_path):
    path = tmp_path / "script.py"
    path.write_text("print(1)\n")
    with pytest.raises(ExportError, match="not a notebook"):
        export_notebook(path, observe=False)
    (tmp_path / "x.ipynb").write_text('{"hello": 1}')
    with pytest.raises(ExportError, match="no list of 'cells'"):
        export_notebook(tmp_path / "x.ipynb", observe=False)
    assert nothing_written(tmp_path)


def test_invalid_json(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [')
    with pytest.raises(ExportError, match="not valid JSON") as caught:
        export_notebook(path, observe=False)
    assert caught.value.code == "invalid_json"
    assert nothing_written(tmp_path)


def test_missing_file(tmp_path):
    with pytest.raises(ExportError, match="no such file"):
        export_notebook(tmp_path / "nope.ipynb", observe=False)


def test_syntax_error_names_the_cell(make_notebook, tmp_path):
    path = make_notebook(["import os", "%%track --name a\nx = (1,\ny = 2"])
    with pytest.raises(ExportError, match=r"cell 2 \(id c1\) has a syntax error at line") as caught:
        export_notebook(path, observe=False)
    assert caught.value.cell == 1
    assert nothing_written(tmp_path)


def test_top_level_await_is_explained(make_notebook):
    path = make_notebook(["import asyncio", "%%track --name a\nx = await asyncio.sleep(0, 1)"])
    with pytest.raises(ExportError, match=r"cell 2 \(id c1\) uses 'await' outside a function"):
        export_notebook(path, observe=False)


def test_cycle_names_the_steps(make_notebook, tmp_path):
    # Each cell reads what only the other writes: the notebook relied on out-of-order runs.
    path = make_notebook(["%%track --name a\nx = y + 1", "%%track --name b\ny = x + 1"])
    with pytest.raises(ExportError, match="cycle") as caught:
        export_notebook(path, observe=False)
    assert "'a' (cell 1" in str(caught.value) and "'b' (cell 2" in str(caught.value)
    assert caught.value.code == "cycle"
    assert nothing_written(tmp_path)


def test_existing_output_folder(make_notebook, tmp_path):
    path = make_notebook(["%%track --name a\nx = 1"])
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="already exists"):
        export_notebook(path, out=out, observe=False)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_no_steps(make_notebook):
    with pytest.raises(ExportError, match="no steps"):
        export_notebook(make_notebook(["x = 1", "x"]), observe=False)


def test_failure_while_writing_leaves_nothing(make_notebook, tmp_path, monkeypatch):
    path = make_notebook(["%%track --name a\nx = 1"])
    from jupyter_mlops.pipeline.targets import package

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(package, "requirements", boom)
    with pytest.raises(OSError, match="disk full"):
        export_notebook(path, out=tmp_path / "out", observe=False)
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_cli_reports_errors_and_json(make_notebook, tmp_path, capsys):
    assert export_main([str(tmp_path / "nope.ipynb")]) == 2
    assert "no such file" in capsys.readouterr().err
    path = make_notebook(["%%track --name a -p n=3\nx = n"])
    assert export_main([str(path), "--out", str(tmp_path / "o"), "--json", "--no-observe"]) == 0
    import json

    report = json.loads(capsys.readouterr().out)
    assert report["steps"][0]["name"] == "a" and report["params"] == {"n": 3}
    assert (tmp_path / "o" / "nb" / "pipeline.json").exists()


@pytest.mark.parametrize("out", ["/proc/jupyter-mlops-out", "/proc/no-such-folder/out", "/sys/jupyter-mlops-out"])
def test_an_output_folder_the_os_refuses_is_named_as_given(make_notebook, out):
    """The error names the folder asked for, never the scratch folder written beside it."""
    notebook = make_notebook(["%%track\nx = 1"])
    with pytest.raises(ExportError) as caught:
        export_notebook(notebook, out=out, observe=False)
    assert str(caught.value).startswith(f"{out}:") and ".partial-" not in str(caught.value)
