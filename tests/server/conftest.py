"""Fixtures for the server extension tests: a real Jupyter server over HTTP (pytest-jupyter)
on a temporary root, with the embedded MLflow store under it, seeded through MlflowClient.
"""

from __future__ import annotations

import json

import pytest

# pytest-jupyter's fixtures and its tornado async-test hooks, for this folder only
# (the repository's top-level conftest is not ours to change).
from pytest_jupyter.jupyter_server import *  # noqa: F403

from jupyter_mlops.core import names
from jupyter_mlops.core.config import (
    ENV_MLFLOW_ARTIFACT_ROOT,
    ENV_ROOT,
    ENV_STATE_DIR,
    ENV_TRACKING_URI,
    ENV_UI_URL,
    resolve,
)
from mlops_testing import install_store

ENV_KEYS = (ENV_TRACKING_URI, ENV_ROOT, ENV_STATE_DIR, ENV_UI_URL, ENV_MLFLOW_ARTIFACT_ROOT)
UI_URL = "http://127.0.0.1:5999"


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch):
    """The extension exports the store to os.environ at load: undo it after each test."""
    for key in ENV_KEYS:
        monkeypatch.setenv(key, "placeholder")
        monkeypatch.delenv(key)
    monkeypatch.setenv(ENV_UI_URL, UI_URL)
    yield


@pytest.fixture
def jp_root_dir(tmp_path, store_template):
    from jupyter_mlops.core.config import STATE_DIR_NAME

    root = tmp_path / "root_dir"
    install_store(store_template, root / STATE_DIR_NAME / "mlflow.db")
    return root


@pytest.fixture
def jp_server_config():
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_mlops": True},
            "allow_unauthenticated_access": False,
        }
    }

@pytest.fixture
def settings(jp_serverapp, jp_root_dir):
    """What the extension resolved (the embedded store under the temporary root)."""
    return resolve(root=jp_root_dir)


@pytest.fixture
def mlflow_client(settings):
    from jupyter_mlops.core import store

    store.prepare(settings)
    return store.client(settings.tracking_uri)


@pytest.fixture
def api(jp_fetch):
    """GET an API path; returns (status, json body) without raising on 4xx/5xx."""

    async def get(endpoint: str, /, **params):
        response = await jp_fetch(
            "jupyter-mlops", "api", *endpoint.split("/"), params=params, raise_error=False, request_timeout=120
        )
        return response.code, json.loads(response.body or b"null")

    return get


def seed_run(client, experiment_id: str, *, name="run", params=None, metrics=None, tags=None,
             notebook="analysis/train.ipynb", cell_id="cell-abc", source="x = 1\n", status="FINISHED"):
    """One run shaped like a %%track cell's: notebook, cell id and source tags."""
    all_tags = {
        names.NOTEBOOK: notebook,
        names.CELL_ID: cell_id,
        names.CELL_SOURCE: source,
        names.KIND: "cell",
        names.DATA_INPUTS: json.dumps([{"name": "df", "digest": "ab" * 16, "kind": "pandas", "shape": [3, 2]}]),
        **(tags or {}),
    }
    run = client.create_run(experiment_id, run_name=name, tags=all_tags)
    for key, value in (params or {}).items():
        client.log_param(run.info.run_id, key, value)
    for key, values in (metrics or {}).items():
        for step, value in enumerate(values if isinstance(values, list) else [values]):
            client.log_metric(run.info.run_id, key, value, step=step)
    client.set_terminated(run.info.run_id, status=status)
    return run.info.run_id


@pytest.fixture
def seeded(mlflow_client):
    """An experiment named after a notebook, with three runs, one holding artifacts."""
    from jupyter_mlops.core import store

    experiment_id = store.experiment_id(mlflow_client, "analysis/train.ipynb")
    first = seed_run(mlflow_client, experiment_id, name="first", params={"lr": "0.1"},
                     metrics={"loss": [1.0, 0.5, 0.25]})
    second = seed_run(mlflow_client, experiment_id, name="second", params={"lr": "0.01"}, metrics={"loss": [0.9, 0.8]})
    third = seed_run(mlflow_client, experiment_id, name="third", params={"lr": "1"}, metrics={"loss": [2.0]},
                     status="FAILED")
    mlflow_client.log_text(third, "print('hello')\n", names.ARTIFACT_CELL)
    mlflow_client.log_text(third, "hello\n" * 10, names.ARTIFACT_STDOUT)
    return {"experiment_id": experiment_id, "runs": [first, second, third]}


def run_artifact_folder(client, run_id: str) -> str:
    """The local folder holding a run's artifacts (embedded store)."""
    from urllib.parse import urlparse

    uri = client.get_run(run_id).info.artifact_uri
    parsed = urlparse(uri)
    return parsed.path if parsed.scheme == "file" else uri


@pytest.fixture
def seed():
    return seed_run


@pytest.fixture
def artifact_folder(mlflow_client):
    return lambda run_id: run_artifact_folder(mlflow_client, run_id)


@pytest.fixture
def ui_url():
    return UI_URL
