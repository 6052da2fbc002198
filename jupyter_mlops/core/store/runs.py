"""Reading entities back: a run, an experiment, a registered model or version, a metric's
history, and the ``%runs`` table.  ``*_or_none`` answer None for anything MLflow refuses."""

from __future__ import annotations

from .. import names
from ..errors import NotFound
from . import access, queries


def _mlflow_error():
    from mlflow.exceptions import MlflowException

    return MlflowException


def data_records(run) -> list[dict]:
    """The named data records of a run's tags: what it read (``mlops.data.inputs``), then
    what it wrote (``outputs``); a tag that does not parse counts as none."""
    import json

    records: list[dict] = []
    for tag in (names.DATA_INPUTS, names.DATA_OUTPUTS):
        try:
            listed = json.loads(run.data.tags.get(tag) or "[]")
        except ValueError:
            continue
        if isinstance(listed, list):
            records += [r for r in listed if isinstance(r, dict) and isinstance(r.get("name"), str) and r["name"]]
    return records


def get_run(client, run_id: str):
    """The run, or NotFound (a deleted or unknown id)."""
    try:
        return client.get_run(run_id)
    except _mlflow_error() as exc:
        if getattr(exc, "error_code", "") not in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", "INVALID_PARAMETER_VALUE"):
            raise
        raise NotFound(f"No run with id {run_id!r}; it may have been deleted.") from None


def get_experiment(client, experiment_id: str):
    try:
        return client.get_experiment(experiment_id)
    except _mlflow_error() as exc:
        if getattr(exc, "error_code", "") not in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", "INVALID_PARAMETER_VALUE"):
            raise
        raise NotFound(f"No experiment with id {experiment_id!r}.") from None


def run_or_none(client, run_id: str):
    try:
        return client.get_run(run_id)
    except _mlflow_error():
        return None


def registered_model_or_none(client, name: str):
    try:
        return client.get_registered_model(name)
    except _mlflow_error():
        return None


def model_version_or_none(client, name: str, version: str):
    try:
        return client.get_model_version(name, version)
    except _mlflow_error():
        return None


def metric_history(client, run_id: str, key: str) -> list:
    return client.get_metric_history(run_id, key)


def get_runs(client, run_ids: list[str]) -> list:
    """These runs in this order; NotFound names the first unknown id."""
    return [get_run(client, run_id) for run_id in run_ids]


def metric_histories(client, runs, key: str) -> dict[str, list]:
    """``key``'s history for each of the runs that logged it, by run id."""
    return {run.info.run_id: client.get_metric_history(run.info.run_id, key)
            for run in runs if key in run.data.metrics}


def runs_frame(tracking_uri: str, experiment: str, max_results: int = 100, filter_string: str = ""):
    """This experiment's runs, newest first, with ``params.*`` and ``metrics.*`` columns."""
    import pandas as pd

    client = access.client(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return pd.DataFrame(columns=["run_id", "name", "status", "start_time", "duration_s"])
    try:
        text = queries.check_filter(filter_string)
    except queries.InvalidQuery as exc:
        raise queries.InvalidQuery(f"MLflow did not accept the filter {filter_string!r}: {exc}") from None
    runs = queries.iter_runs(client, [found.experiment_id], text, limit=max_results,
                             order_by=["attributes.start_time DESC"])
    rows = []
    for run in runs:
        info, data = run.info, run.data
        row = {
            "run_id": info.run_id,
            "name": info.run_name,
            "status": info.status,
            "start_time": pd.to_datetime(info.start_time, unit="ms"),
            "duration_s": (info.end_time - info.start_time) / 1000 if info.end_time else None,
            "cell": data.tags.get(names.CELL_EXECUTION_COUNT),
        }
        row.update({f"params.{k}": v for k, v in data.params.items()})
        row.update({f"metrics.{k}": v for k, v in data.metrics.items()})
        rows.append(row)
    return pd.DataFrame(rows)
