"""Every use of MLflow's private API, in one place.

Each function says why the public API is not enough.  Checked against MLflow 3.17
(``pip show mlflow``); when MLflow changes one of these, only this module changes.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any

CHECKED_AGAINST = "3.17"


def migrate_sqlite(uri: str, artifact_root: str) -> None:
    """Create or upgrade a SQLite tracking store's schema now, under the caller's lock.

    The public client migrates lazily on first use, from whichever process gets there
    first; two kernels starting at once then race on the schema.
    """
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    SqlAlchemyStore(uri, artifact_root).engine.dispose()


def sql_store(client):
    """The SQLAlchemy store behind a client, or None for a REST or file store.

    MLflow has no call that counts runs; on a SQL store one ``GROUP BY`` answers it.
    """
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    found = getattr(getattr(client, "_tracking_client", None), "store", None)
    return found if isinstance(found, SqlAlchemyStore) else None


def run_activity(store, experiment_ids: list[int]) -> list[tuple[str, int, int | None]]:
    """``(experiment id, active run count, newest start or end in ms)`` per experiment,
    in one query on MLflow's ``runs`` table."""
    from mlflow.entities import LifecycleStage
    from mlflow.store.tracking.dbmodels.models import SqlRun
    from sqlalchemy import func

    newest: Any = func.max(func.coalesce(SqlRun.end_time, SqlRun.start_time))
    with store.ManagedSessionMaker() as session:
        rows = (
            session.query(SqlRun.experiment_id, func.count(SqlRun.run_uuid), newest)
            .filter(SqlRun.experiment_id.in_(experiment_ids))
            .filter(SqlRun.lifecycle_stage == LifecycleStage.ACTIVE)
            .group_by(SqlRun.experiment_id)
            .all()
        )
    return [(str(eid), int(count), int(last) if last else None) for eid, count, last in rows]


def active_run_stack() -> list:
    """The fluent API's stack of active runs for this thread.

    ``%%track`` makes its run the active one without ``mlflow.start_run`` (which would
    create a run synchronously and import mlflow on every cell).
    """
    from mlflow.tracking.fluent import _active_run_stack

    return _active_run_stack.get()


@contextmanager
def fluent_tracking_uri(uri: str):
    """Point MLflow's global tracking URI at ``uri`` for a block, then put back both the
    global and ``$MLFLOW_TRACKING_URI`` exactly as they were.

    Flavors' ``log_model`` only takes the global URI, and MLflow's own
    ``set_tracking_uri`` cannot restore "unset": it leaves the variable cleared, which
    would unhook the kernel from its store.
    """
    from mlflow.tracking._tracking_service import utils

    saved_global, saved_env = utils._tracking_uri, os.environ.get("MLFLOW_TRACKING_URI")
    utils.set_tracking_uri(uri)
    try:
        yield
    finally:
        if saved_global:
            utils.set_tracking_uri(saved_global)
        else:
            utils._tracking_uri = None
        if saved_env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = saved_env


def check_run_filter(text: str) -> None:
    """Parse a run filter with MLflow's own grammar and evaluate it on a blank run (the
    comparators of a clause are only checked when it is evaluated).  Raises
    ``MlflowException`` with MLflow's message.  ``SearchUtils`` is internal API."""
    from mlflow.entities import Run, RunData, RunInfo, RunInputs
    from mlflow.utils.search_utils import SearchUtils

    SearchUtils.parse_search_filter(text)
    blank = RunInfo(run_id="0", experiment_id="0", user_id="", status="FINISHED",
                    start_time=0, end_time=0, lifecycle_stage="active", run_name="")
    SearchUtils.filter([Run(blank, RunData(), RunInputs([]))], text)


def check_run_order_by(clause: str) -> None:
    """Parse one ``order_by`` clause of ``search_runs`` (raises ``MlflowException``)."""
    from mlflow.utils.search_utils import SearchUtils

    SearchUtils.parse_order_by_for_search_runs(clause)


def scoring_server_model_path() -> str:
    """The model folder of a scoring server started the way ``mlflow models serve`` starts
    one: ``scoring_server.get_cmd`` passes it in an environment variable whose name,
    ``_SERVER_MODEL_PATH``, is internal.  Our monitored app (core/monitoring/scoring_app.py)
    builds MLflow's app from the same folder."""
    from mlflow.pyfunc import scoring_server

    return os.environ[scoring_server._SERVER_MODEL_PATH]
