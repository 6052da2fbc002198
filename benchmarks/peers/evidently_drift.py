"""Peer for benchmarks/monitoring.py: time Evidently's data drift report on the same data.

Runs in Evidently's own virtualenv (it does not share our interpreter):

    <venv>/bin/python benchmarks/peers/evidently_drift.py REFERENCE.parquet CURRENT.parquet

Prints one JSON line: {"seconds": ..., "version": ..., "drifted_columns": ...}. Only the
report's computation is timed (reading the parquet files is not).
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd


def run(reference: pd.DataFrame, current: pd.DataFrame) -> tuple[float, int | None]:
    try:  # Evidently >= 0.7
        from evidently import Report
        from evidently.presets import DataDriftPreset

        started = time.perf_counter()
        snapshot = Report([DataDriftPreset()]).run(current, reference)
        seconds = time.perf_counter() - started
        result = snapshot.dict()
    except ImportError:  # older releases
        from evidently.metric_preset import DataDriftPreset
        from evidently.report import Report

        report = Report(metrics=[DataDriftPreset()])
        started = time.perf_counter()
        report.run(reference_data=reference, current_data=current)
        seconds = time.perf_counter() - started
        result = report.as_dict()
    return seconds, drifted_count(result)


def drifted_count(result) -> int | None:
    """The number of drifted columns, wherever this version puts it (None if not found)."""
    for metric in result.get("metrics", []):
        value = metric.get("value") if isinstance(metric, dict) else None
        if isinstance(value, dict) and "count" in value:
            return int(value["count"])
        inner = metric.get("result") if isinstance(metric, dict) else None
        if isinstance(inner, dict) and "number_of_drifted_columns" in inner:
            return int(inner["number_of_drifted_columns"])
    return None


def main() -> None:
    import evidently

    reference = pd.read_parquet(sys.argv[1])
    current = pd.read_parquet(sys.argv[2])
    seconds, drifted = run(reference, current)
    print(json.dumps({"seconds": seconds, "version": evidently.__version__, "drifted_columns": drifted}))


if __name__ == "__main__":
    main()
