"""Fixtures for the pipeline tests: notebooks built from cell lists, an MLflow SQLite
store per test, and cached virtualenvs for the real Airflow and kfp (their pins conflict
with mlflow's, so they never go into the main environment)."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "pipeline_demo.ipynb"
CACHE = Path(os.environ.get("JUPYTER_MLOPS_TEST_CACHE", Path.home() / ".cache" / "jupyter-mlops-tests"))
AIRFLOW_REQUIREMENT = "apache-airflow>=3.1,<4"
KFP_REQUIREMENT = "kfp>=2.7,<3"


def notebook_json(cells: list, execution_counts: list | None = None) -> dict:
    """cells: source strings (code) or (source, {"tags": [...]}) / ("markdown", text) pairs."""
    out = []
    for i, cell in enumerate(cells):
        meta: dict = {}
        kind = "code"
        if isinstance(cell, tuple) and cell[0] == "markdown":
            kind, source = "markdown", cell[1]
        elif isinstance(cell, tuple):
            source, meta = cell
        else:
            source = cell
        entry = {"cell_type": kind, "id": f"c{i}", "metadata": meta, "source": source}
        if kind == "code":
            entry.update(outputs=[], execution_count=execution_counts[i] if execution_counts else None)
        out.append(entry)
    return {"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def make_notebook(tmp_path):
    def make(cells, name="nb.ipynb", execution_counts=None) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(notebook_json(cells, execution_counts)), encoding="utf-8")
        return path

    return make


@pytest.fixture
def tracking_uri(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("JUPYTER_MLOPS_ROOT", str(tmp_path))
    return uri


def subprocess_env(**extra) -> dict:
    """Environment for exported code: jupyter_mlops importable from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def cached_venv(name: str, requirements: list[str]) -> Path:
    """A virtualenv under the test cache with ``requirements``; built once, reused after."""
    folder = CACHE / name
    marker = folder / ".requirements"
    wanted = "\n".join(requirements)
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = folder / "bin" / "python"
        if marker.exists() and marker.read_text() == wanted and python.exists():
            return python
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run(pip + ["uv"], check=True)
        # uv resolves Airflow's large dependency tree in seconds where pip takes minutes.
        subprocess.run([str(folder / "bin" / "uv"), "pip", "install", "-q", "--python", str(python),
                        *requirements], check=True)
        marker.write_text(wanted)
        return python


@pytest.fixture(scope="session")
def airflow_python() -> Path:
    return cached_venv("airflow-venv", [AIRFLOW_REQUIREMENT])


@pytest.fixture(scope="session")
def kfp_python() -> Path:
    # The components' libraries at this environment's versions (the exported pins), so
    # kfp's local runner finds them installed instead of fetching them per component.
    from importlib import metadata

    pins = [f"{d}=={metadata.version(d)}" for d in ("pandas", "numpy", "scikit-learn", "pyarrow", "joblib",
                                                     "mlflow-skinny")]
    return cached_venv("kfp-venv", [KFP_REQUIREMENT, "pyyaml", *pins])
