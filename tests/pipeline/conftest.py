"""Fixtures for the pipeline tests: notebooks built from cell lists, an MLflow SQLite
store per test, and the virtualenvs of the real Airflow and kfp (tests/target_venvs.py)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import target_venvs
from mlops_testing import install_store

from .airflow_runner import DagsTest
from .warm_python import start_warm_python

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "pipeline_demo.ipynb"


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
def tracking_uri(tmp_path, monkeypatch, store_template):
    """A SQLite store of this test's own (a copy of the migrated template)."""
    uri = f"sqlite:///{install_store(store_template, tmp_path / 'mlruns' / 'mlflow.db')}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("JUPYTER_MLOPS_ROOT", str(tmp_path))
    return uri


def subprocess_env(**extra) -> dict:
    """Environment for exported code: jupyter_mlops importable from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture(scope="session")
def airflow_python() -> Path:
    return target_venvs.airflow_python()


@pytest.fixture(scope="session")
def airflow_home(airflow_python, tmp_path_factory) -> Path:
    """An AIRFLOW_HOME with its database migrated, shared by this session's Airflow tests
    (their DAG ids differ); migrating one costs seconds of CPU."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = subprocess_env(AIRFLOW_HOME=home, AIRFLOW__CORE__LOAD_EXAMPLES="False")
    subprocess.run([str(airflow_python.parent / "airflow"), "db", "migrate"], env=env, check=True,
                   capture_output=True, timeout=300)
    return home


@pytest.fixture(scope="session")
def warm_python(tmp_path_factory):
    """An interpreter that starts `-m PACKAGE` in milliseconds (warm_python.py)."""
    server, launcher = start_warm_python(tmp_path_factory.mktemp("warm-python"), subprocess_env())
    yield launcher
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="session")
def dags_test(airflow_python, airflow_home, warm_python, tmp_path_factory):
    """`airflow dags test`, in one Airflow process for this test session (Airflow's start
    costs seconds of CPU), its tasks' step processes started by ``warm_python``.  Each test
    exports into a folder of its own in the DAGs folder, as several exported pipelines sit
    side by side in a real one."""
    folder = tmp_path_factory.mktemp("airflow-dags")
    env = subprocess_env(AIRFLOW_HOME=airflow_home, AIRFLOW__CORE__DAGS_FOLDER=folder,
                         AIRFLOW__CORE__LOAD_EXAMPLES="False", JUPYTER_MLOPS_PIPELINE_PYTHON=warm_python,
                         MPLBACKEND="Agg")
    runner = DagsTest(airflow_python, env, airflow_home / "runner.log", folder)
    yield runner
    runner.close()


# kfp's local runner runs each component in the kfp virtualenv, which has every package the
# components ask for: compiled as for a prebuilt image, they start without running pip twice
# each.  test_kfp_pipeline_runs_with_the_local_runner keeps the default, installing, path.
KFP_PREBUILT_IMAGE = {"JUPYTER_MLOPS_KFP_IMAGE": "kfp-venv"}


@pytest.fixture(scope="session")
def kfp_python() -> Path:
    return target_venvs.kfp_python()
