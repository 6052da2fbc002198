"""Two scoring servers of one model, timed side by side: the way the monitoring and the
contracts benchmarks measure what a serving option costs per request over HTTP."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd


@contextmanager
def bench_model(reference: bool = False, **register) -> Iterator[tuple[Path, str, pd.DataFrame]]:
    """(root, tracking URI, training frame) of model ``bench`` v1, registered in a throwaway
    embedded store, with its training frame as reference profile if ``reference``;
    ``register`` goes to ``register_model`` (aliases...)."""
    from sklearn.linear_model import LogisticRegression

    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.models.registry import register_model
    from jupyter_mlops.core.store import prepare

    with tempfile.TemporaryDirectory() as root:
        os.environ["JUPYTER_MLOPS_ROOT"] = root
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        settings = resolve()
        prepare(settings)
        rng = np.random.default_rng(2)
        X = pd.DataFrame(rng.normal(size=(2000, 8)), columns=[f"f{i}" for i in range(8)])
        model = LogisticRegression().fit(X, (X.f0 > 0).astype(int))
        register_model(model, "bench", tracking_uri=settings.tracking_uri, input_example=X.head(),
                       **({"reference": X} if reference else {}), **register)
        yield Path(root), settings.tracking_uri, X


def time_pairs(endpoints: dict[str, str], X: pd.DataFrame, count: int, warm_up: int = 100) -> dict[str, list[float]]:
    """Client-side ms of ``count`` single-row requests to each of two servers, alternating
    which goes first, after ``warm_up`` pairs left out."""
    import requests

    bodies = [{"dataframe_split": {"columns": list(X.columns), "data": [row]}} for row in X.to_numpy().tolist()]
    times: dict[str, list[float]] = {label: [] for label in endpoints}
    sessions = {label: requests.Session() for label in endpoints}
    pairs = list(endpoints.items())
    try:
        for number in range(count + warm_up):
            for label, endpoint in (pairs if number % 2 else pairs[::-1]):
                started = time.perf_counter()
                sessions[label].post(f"{endpoint}/invocations", json=bodies[number % len(bodies)],
                                     timeout=30).raise_for_status()
                if number >= warm_up:
                    times[label].append((time.perf_counter() - started) * 1000)
    finally:
        for session in sessions.values():
            session.close()
    return times


def print_pairs(times: dict[str, list[float]], width: int = 12) -> tuple[float, float]:
    """Print p50/p95 of each server; returns (difference of the p50s, median of the paired
    differences), first server minus second."""
    for label, values in times.items():
        ordered = sorted(values)
        p95 = ordered[int(len(ordered) * 0.95)]
        print(f"   {label:<{width}} p50 {statistics.median(ordered):7.3f}   p95 {p95:7.3f}")
    first, second = times.values()
    paired = statistics.median(a - b for a, b in zip(first, second, strict=True))
    return statistics.median(first) - statistics.median(second), paired
