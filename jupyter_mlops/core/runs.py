"""Read runs back as a table (for %runs and the CLI)."""

from __future__ import annotations

from . import names, store


def runs_frame(tracking_uri: str, experiment: str, max_results: int = 100, filter_string: str = ""):
    import pandas as pd
    from mlflow.exceptions import MlflowException

    client = store.client(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return pd.DataFrame(columns=["run_id", "name", "status", "start_time", "duration_s"])
    try:
        runs = client.search_runs([found.experiment_id], filter_string=filter_string,
                                  max_results=max_results, order_by=["attributes.start_time DESC"])
    except MlflowException as exc:
        raise ValueError(f"MLflow did not accept the filter {filter_string!r}: {exc.message}") from None
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
