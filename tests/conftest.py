"""Shared fixtures: an isolated jupyter-mlops root, a real IPython shell, and a real
``mlflow server`` on the machine's PostgreSQL."""

from __future__ import annotations

import os
import sys

import pytest

from mlops_testing import MlflowServer, install_store, migrate_template

_OUR_ENV = ("MLFLOW_TRACKING_URI", "JUPYTER_MLOPS_ROOT", "JUPYTER_MLOPS_STATE_DIR", "JUPYTER_MLOPS_UI_URL",
            "_MLFLOW_SERVER_ARTIFACT_ROOT", "JPY_SESSION_NAME")



@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Lanes by what a test needs: a browser (tests/ui's ``page``) or the PostgreSQL-backed
    ``mlflow_server``.  Under pytest-xdist (``--dist loadgroup``) a browser module stays on
    one worker (one JupyterLab per module) and the PostgreSQL tests share one worker's
    server; everything else spreads test by test.  ``tryfirst``: xdist reads the groups in
    its own hook of the same name, which otherwise runs first and sees none."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "page" in fixtures or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group(f"browser:{item.module.__name__}"))
        elif "mlflow_server" in fixtures or item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.postgres)
            item.add_marker(pytest.mark.xdist_group("postgres"))


def _forget_mlflow_globals() -> None:
    """MLflow keeps set_tracking_uri()/set_registry_uri() in module globals; a test that
    sets them must not point the next test's fluent calls at its store."""
    if "mlflow" not in sys.modules:
        return
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    tracking_utils._tracking_uri = None
    registry_utils._registry_uri = None


@pytest.fixture(autouse=True)
def _isolated_mlflow_globals():
    _forget_mlflow_globals()
    yield
    _forget_mlflow_globals()


@pytest.fixture(scope="session")
def store_template(tmp_path_factory):
    """An embedded store migrated once per session; tests get copies (``install_store``),
    so no test waits for MLflow's schema migrations."""
    return migrate_template(tmp_path_factory.mktemp("store-template"))


@pytest.fixture
def mlops_root(tmp_path, monkeypatch, store_template):
    """A fresh Jupyter root with the embedded store (a copy of the migrated template);
    restores os.environ afterwards (``%load_ext`` exports the resolved settings into it)."""
    from jupyter_mlops.core.config import STATE_DIR_NAME

    install_store(store_template, tmp_path / STATE_DIR_NAME / "mlflow.db")
    saved = dict(os.environ)
    for name in _OUR_ENV:
        os.environ.pop(name, None)
    os.environ["JUPYTER_MLOPS_ROOT"] = str(tmp_path)
    os.environ["JUPYTER_MLOPS_DRAINER_IDLE"] = "3"
    # Drain in a thread of the process that tracks: each test's new store would otherwise
    # start a drainer process that imports MLflow anew. Tests of the drainer process
    # itself use the ``drainer_process`` fixture.
    os.environ["JUPYTER_MLOPS_DRAINER"] = "thread"
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def drainer_process(mlops_root):
    """The default, production drainer: a process of its own (``mlops_root`` drains in a thread)."""
    os.environ["JUPYTER_MLOPS_DRAINER"] = "process"
    return mlops_root


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
    from jupyter_mlops.core.tracking.active_run import ActiveRunHandle  # noqa: F401 - import check

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
