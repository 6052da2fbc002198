"""Benchmark: drift-check speed, detection power, and the prediction log's overhead.

    python benchmarks/monitoring.py [--rows 1000000] [--cols 50] [--trials 200] [--requests 1000]
                                    [--skip-power] [--skip-overhead] [--evidently-python PATH]
                                    [--evidently-rows N] [--evidently-timeout S]

1. **Speed.** A drift check (``drift.compare``) of ``rows`` x ``cols`` live numeric values
   against a stored profile (built from 200,000 reference rows), against the peer way: a
   per-column ``scipy.stats.ks_2samp`` loop over the raw columns (live vs the raw reference).
   Goal: at most 2 s, at least 10x faster.
   **Evidently** (issue #13, optional): with ``--evidently-python`` (or the environment
   variable ``EVIDENTLY_PYTHON``) naming the interpreter of a virtualenv that has
   ``evidently``, ``pandas`` and ``pyarrow`` (it does not install beside our stack), the
   same reference and live data are written to parquet files and
   ``benchmarks/peers/evidently_drift.py`` times Evidently's ``DataDriftPreset`` report in
   that interpreter (a subprocess, killed after ``--evidently-timeout`` seconds). Evidently
   needs the raw reference rows, not a profile. With ``--evidently-rows`` below ``rows``
   both are timed on the first ``N`` live rows (a documented subsample), ours included.
2. **Detection power** at n = 10,000 live rows, ``trials`` simulations each, reference of
   50,000 rows, default statistics and thresholds (ks 0.03 for numbers, Jensen-Shannon 0.05
   for categories, alpha 0.001): a 0.2-sigma mean shift, a x1.2 spread, a 10-point change
   in one category's share (>= 95% detected), unshifted data (<= 5% false alarms).
3. **Overhead.** Two servers of the same model from ``deploy()``, one logging, one with
   ``log=False``; ``requests`` single-row ``/invocations`` calls alternate between them
   over keep-alive connections; p50/p95 client-side latency of each and the difference
   (goal: at most 1 ms at p50).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paired_servers import bench_model, print_pairs, time_pairs  # noqa: E402

from jupyter_mlops.core.monitoring.drift import Thresholds, compare  # noqa: E402
from jupyter_mlops.core.monitoring.profile import build_profile  # noqa: E402


def speed(rows: int, cols: int):
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(0)
    names = [f"f{i}" for i in range(cols)]
    reference = pd.DataFrame(rng.normal(size=(200_000, cols)), columns=names)
    profile = build_profile(reference)
    live = pd.DataFrame(rng.normal(0.05, 1.0, size=(rows, cols)), columns=names)
    started = time.perf_counter()
    ours = compare(profile, live)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    theirs = [ks_2samp(live[name].to_numpy(), reference[name].to_numpy()).statistic for name in names]
    scipy_s = time.perf_counter() - started
    gap = max(abs(o["value"] - t) for o, t in zip(ours, theirs, strict=True))
    print(f"\n1. speed: {rows:,} rows x {cols} columns against a stored profile")
    print(f"   {'ours (drift.compare)':<34}{ours_s:8.2f} s")
    print(f"   {'scipy ks_2samp per column (raw)':<34}{scipy_s:8.2f} s")
    print(f"   ratio scipy / ours: {scipy_s / ours_s:.1f}x   (largest KS difference from scipy's: {gap:.4f})")
    return profile, reference, live


def evidently(python: str, profile, reference: pd.DataFrame, live: pd.DataFrame, rows: int, timeout: float) -> None:
    """Ours against Evidently's DataDriftPreset on the same data, in Evidently's own interpreter."""
    sample = live.iloc[:rows]
    started = time.perf_counter()
    ours = compare(profile, sample)
    ours_s = time.perf_counter() - started
    script = Path(__file__).resolve().parent / "peers" / "evidently_drift.py"
    with tempfile.TemporaryDirectory() as folder:
        reference.to_parquet(Path(folder) / "reference.parquet")
        sample.to_parquet(Path(folder) / "current.parquet")
        label = f"{len(sample):,} live rows x {sample.shape[1]} columns, reference {len(reference):,} raw rows"
        print(f"\n1b. Evidently DataDriftPreset ({python}): {label}")
        try:
            done = subprocess.run([python, str(script), str(Path(folder) / "reference.parquet"),
                                   str(Path(folder) / "current.parquet")],
                                  capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            print(f"   {'ours (drift.compare)':<34}{ours_s:8.2f} s")
            print(f"   Evidently did not finish within {timeout:.0f} s (killed); try a smaller --evidently-rows")
            return
    if done.returncode != 0:
        print(f"   Evidently failed (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
        return
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    flagged = sum(row["drifted"] for row in ours)
    print(f"   {'ours (drift.compare)':<34}{ours_s:8.2f} s   {flagged} of {len(ours)} columns drifted")
    print(f"   {'Evidently ' + theirs['version']:<34}{theirs['seconds']:8.2f} s   "
          f"{theirs['drifted_columns']} columns drifted (its default tests)")
    print(f"   ratio Evidently / ours: {theirs['seconds'] / ours_s:.1f}x")


def power(trials: int, n: int = 10_000) -> None:
    rng = np.random.default_rng(1)
    categories = np.array(["a", "b", "c", "d", "e"])
    shares = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
    reference = pd.DataFrame({"x": rng.normal(0, 1, 50_000), "c": rng.choice(categories, 50_000, p=shares)})
    profile = build_profile(reference)
    moved = shares.copy()
    moved[1] += 0.10  # one category's share up 10 points, the others scaled down to make room
    rest = [i for i in range(len(shares)) if i != 1]
    moved[rest] *= (1 - moved[1]) / shares[rest].sum()

    def frame(mean=0.0, spread=1.0, p=shares):
        return pd.DataFrame({"x": rng.normal(mean, spread, n), "c": rng.choice(categories, n, p=p)})

    scenarios = [("unshifted (false alarms)", lambda: frame(), None, 0.05),
                 ("0.2-sigma mean shift", lambda: frame(mean=0.2), "x", 0.95),
                 ("x1.2 spread", lambda: frame(spread=1.2), "x", 0.95),
                 ("10-point category share", lambda: frame(p=moved), "c", 0.95)]
    thresholds = Thresholds()
    print(f"\n2. detection power: n = {n:,} live rows, {trials} trials each, reference 50,000 rows "
          f"(ks > {thresholds.defaults['ks']}, jensen_shannon > {thresholds.defaults['jensen_shannon']}, "
          f"p < {thresholds.alpha})")
    print(f"   {'scenario':<28}{'column':<8}{'flagged':>9}{'goal':>10}   median statistic")
    for label, make, column, goal in scenarios:
        flagged = {"x": 0, "c": 0}
        values: dict[str, list[float]] = {"x": [], "c": []}
        for _ in range(trials):
            for row in compare(profile, make(), thresholds=thresholds):
                flagged[row["feature"]] += row["drifted"]
                values[row["feature"]].append(row["value"])
        for name in ([column] if column else ["x", "c"]):
            rate = flagged[name] / trials
            target = f"<= {goal:.0%}" if column is None else f">= {goal:.0%}"
            ok = rate <= goal if column is None else rate >= goal
            print(f"   {label:<28}{name:<8}{rate:>9.1%}{target:>10}   {statistics.median(values[name]):.4f}"
                  f"{'' if ok else '   MISSED'}")


def overhead(requests_count: int) -> None:
    from jupyter_mlops.core.models import deploy, serving

    with bench_model(reference=True, aliases=["logged"]) as (_, uri, X):
        servers = []
        try:
            servers.append(deploy.deploy("bench@logged", tracking_uri=uri, log=True))
            servers.append(deploy.deploy("bench/1", tracking_uri=uri, log=False))
            client_side = time_pairs({"logged": servers[0].endpoint, "no-log": servers[1].endpoint}, X,
                                     requests_count)
        finally:
            for server in servers:
                serving.stop(server.pid, server.port)
    print(f"\n3. overhead: {requests_count} single-row requests to each server, alternating (client-side ms)")
    difference, paired = print_pairs(client_side, width=10)
    print(f"   logging adds {difference:+.3f} ms at p50 (median of paired differences {paired:+.3f} ms; "
          "goal: at most 1 ms)")
    in_process(requests_count)


def in_process(count: int) -> None:
    """The layer alone, without sockets or a loaded machine's scheduling noise: the same
    ASGI request through MonitoredApp with and without a log, around a trivial app."""
    import asyncio

    from jupyter_mlops.core.monitoring.app import MonitoredApp
    from jupyter_mlops.core.monitoring.metrics import ServerMetrics
    from jupyter_mlops.core.monitoring.predlog import PredictionLog

    body = b'{"dataframe_split": {"columns": ["a", "b"], "data": [[1.5, 2.5]]}}'

    async def model(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"predictions": [1]}'})

    async def one(app) -> float:
        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            return None

        scope = {"type": "http", "path": "/invocations", "method": "POST",
                 "headers": [(b"content-type", b"application/json")]}
        started = time.perf_counter()
        await app(scope, receive, send)
        return (time.perf_counter() - started) * 1000

    with tempfile.TemporaryDirectory() as folder:
        apps = {"no-log": MonitoredApp(model, None, ServerMetrics("m", "1"), "1"),
                "logged": MonitoredApp(model, PredictionLog(Path(folder)), ServerMetrics("m", "1"), "1")}
        times: dict[str, list[float]] = {k: [] for k in apps}

        async def run_all():
            for _ in range(count * 5):
                for label, app in apps.items():
                    times[label].append(await one(app))

        asyncio.run(run_all())
    print(f"   in process, {count * 5} requests: our layer takes p50 {statistics.median(times['no-log']):.3f} ms "
          f"without the log, {statistics.median(times['logged']):.3f} ms with it "
          f"(the log adds {statistics.median(times['logged']) - statistics.median(times['no-log']):+.3f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=50)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--skip-overhead", action="store_true")
    parser.add_argument("--skip-power", action="store_true")
    parser.add_argument("--evidently-python", default=os.environ.get("EVIDENTLY_PYTHON"),
                        help="Interpreter of a virtualenv with evidently, pandas and pyarrow (issue #13).")
    parser.add_argument("--evidently-rows", type=int, default=None,
                        help="Time ours and Evidently on the first N live rows (default: all of --rows).")
    parser.add_argument("--evidently-timeout", type=float, default=240.0)
    args = parser.parse_args()
    profile, reference, live = speed(args.rows, args.cols)
    if args.evidently_python:
        evidently(args.evidently_python, profile, reference, live, args.evidently_rows or args.rows,
                  args.evidently_timeout)
    del reference, live
    if not args.skip_power:
        power(args.trials)
    if not args.skip_overhead:
        overhead(args.requests)


if __name__ == "__main__":
    main()
