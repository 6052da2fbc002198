"""Shared fixtures: an isolated jupyter-mlops root, a real IPython shell, and a real
``mlflow server`` on the machine's PostgreSQL."""

from __future__ import annotations

import os
import sys

import pytest
from mlops_testing import MlflowServer

_OUR_ENV = ("MLFLOW_TRACKING_URI", "JUPYTER_MLOPS_ROOT", "JUPYTER_MLOPS_STATE_DIR", "JUPYTER_MLOPS_UI_URL",
            "_MLFLOW_SERVER_ARTIFACT_ROOT", "JPY_SESSION_NAME")



@pytest.fixture
def mlops_root(tmp_path, monkeypatch):
    """A fresh Jupyter root with the embedded store; restores os.environ afterwards
    (``%load_ext`` exports the resolved settings into it)."""
    saved = dict(os.environ)
    for name in _OUR_ENV:
        os.environ.pop(name, None)
    os.environ["JUPYTER_MLOPS_ROOT"] = str(tmp_path)
    os.environ["JUPYTER_MLOPS_DRAINER_IDLE"] = "3"
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def _shell():
    from IPython.testing.globalipapp import start_ipython

    return start_ipython()


@pytest.fixture
def ip(_shell, mlops_root):
    """A real IPython shell with ``%load_ext jupyter_mlops`` done for this root."""
    _shell.reset(new_session=False)
    _shell.run_line_magic("load_ext", "jupyter_mlops")
    from jupyter_mlops.kernel import load_ipython_extension

    load_ipython_extension(_shell)  # fresh magics bound to this test's root
    yield _shell
    from jupyter_mlops.core.active_run import ActiveRunHandle  # noqa: F401 - import check

    if "mlflow" in sys.modules:
        import mlflow

        while mlflow.active_run():
            mlflow.end_run()


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    server = MlflowServer(tmp_path_factory.mktemp("mlflow-server"))
    server.start()
    yield server
    server.stop()
    server.drop()
