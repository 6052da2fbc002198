"""The one door to MLflow.

Every layer reaches MLflow's stores through this package:

- ``access``: clients (one per URI), first-time setup of a SQLite store, experiments by name;
- ``queries``: filter strings (values quoted the way MLflow's parser reads them back) and
  searches that page, count runs and check a user's filter;
- ``runs``: one run, one experiment, a metric's history, the ``%runs`` table;
- ``artifacts``: reading a run's artifacts safely, size-capped;
- ``compat``: every use of MLflow's private API, with the version it was checked against.

Model logging goes through MLflow's public flavor API in ``core/models``.  Importing this
package does not import mlflow.
"""

from .access import (
    artifact_root_for,
    client,
    experiment_id,
    file_lock,
    prepare,
    prepare_uri,
    sqlite_path,
    unreachable_reason,
)
from .queries import (
    Activity,
    Clause,
    InvalidQuery,
    all_experiments,
    check_filter,
    check_order_by,
    contains,
    equals,
    experiment_activity,
    find_run,
    iter_runs,
    model_versions,
    one_of,
    quote,
    runs_page,
    tag,
    where,
)
from .runs import (
    data_records,
    get_experiment,
    get_run,
    metric_history,
    model_version_or_none,
    registered_model_or_none,
    run_or_none,
)


def mlflow_version() -> str:
    from importlib.metadata import version

    return version("mlflow")


def is_mlflow_error(exc: BaseException) -> bool:
    """An ``MlflowException`` (or subclass), checked without importing mlflow."""
    return any(cls.__name__ == "MlflowException" and cls.__module__.startswith("mlflow")
               for cls in type(exc).__mro__)


__all__ = [
    "Activity", "Clause", "InvalidQuery", "all_experiments", "artifact_root_for", "check_filter",
    "check_order_by", "client", "contains", "data_records", "equals", "experiment_activity", "experiment_id",
    "file_lock", "find_run", "get_experiment", "get_run", "is_mlflow_error", "iter_runs",
    "metric_history", "mlflow_version", "model_version_or_none", "model_versions", "one_of", "prepare", "prepare_uri",
    "quote", "registered_model_or_none", "run_or_none", "runs_page", "sqlite_path", "tag", "unreachable_reason",
    "where",
]
