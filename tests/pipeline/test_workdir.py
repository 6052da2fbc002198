"""Where steps run: the notebook's folder recorded at export, --workdir, the env variable;
local modules first on sys.path while the pipeline runs."""

import os
import sys

import pytest

from jupyter_mlops.pipeline import export_notebook
from jupyter_mlops.pipeline.runner import workdir
from jupyter_mlops.pipeline.runner.spec import load_spec


@pytest.fixture
def spec(tmp_path, make_notebook):
    (tmp_path / "helpers.py").write_text("VALUE = 41\n")
    notebook = make_notebook(["from helpers import VALUE", "answer = VALUE + 1\nprint(answer)"])
    report = export_notebook(notebook, "python", tmp_path / "out", observe=False)
    return load_spec(tmp_path / "out" / report.name)


def test_recorded_folder_override_and_env(spec, tmp_path, monkeypatch):
    assert workdir.resolve(spec) == tmp_path.resolve()
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert workdir.resolve(spec, str(other)) == other.resolve()
    monkeypatch.setenv(workdir.ENV, str(other))
    assert workdir.resolve(spec) == other.resolve()
    with pytest.raises(ValueError, match="does not exist"):
        workdir.resolve(spec, str(tmp_path / "missing"))
    monkeypatch.delenv(workdir.ENV)
    spec.workdir = str(tmp_path / "gone")  # exported on another machine: run where we are
    assert workdir.resolve(spec) == __import__("pathlib").Path.cwd()


def test_entered_puts_the_copied_modules_first(spec, tmp_path):
    before, cwd = list(sys.path), os.getcwd()
    with workdir.entered(spec) as folder:
        assert os.getcwd() == str(folder)
        assert sys.path[0] == str(spec.folder / "local_modules")
        assert (spec.folder / "local_modules" / "helpers.py").read_text() == "VALUE = 41\n"
    assert sys.path == before and os.getcwd() == cwd
