"""Benchmark: the retraining loop's figures, ours beside the plain way, in one run.

    python benchmarks/retrain.py [--trials 5] [--events 100] [--rate 50]

Builds a throwaway embedded store with two versions of ``flip`` (v1 answers 0, v2 answers 1)
and a policy watching drift alerts and a data file, then measures:

1. **trigger -> retraining started**: from a drift alert run (written as monitoring writes
   it), then from each change of the data file (its mtime), to the ``triggered`` decision
   run the watcher (a pass every 0.5 s) records; against a cron job polling every minute
   (its expected wait, 30 s: not run);
2. **dedupe**: new data, then ``--events`` identical alerts over it: retrainings started,
   ours against one per event;
3. **failed requests during a rollover** at ``--rate`` requests/s: the promotion behind a
   stable endpoint (``open_endpoint`` + ``promote``) against redeploying the same alias in
   place (``deploy()`` on its port, what ``%deploy`` does again);
4. **rollback**: the alias move (with its audit run) against MLflow's bare
   ``set_registered_model_alias``; then the rollover behind the endpoint.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

POLICY = """\
model: flip
alias: live
triggers:
  drift: true
  data: [data/train.csv]
retrain:
  notebook: train.ipynb
gate:
  holdout: data/holdout.csv
  target: y
"""
PROBE = {"dataframe_split": {"columns": ["a", "b"], "data": [[0.1, 0.2]]}}


class Load:
    def __init__(self, url: str, rate: float):
        self.url, self.period = url, 1.0 / rate
        self.sent = self.failed = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        import requests

        next_at = time.monotonic()
        with requests.Session() as session:
            while not self.stop.is_set():
                self.sent += 1
                try:
                    if session.post(f"{self.url}/invocations", json=PROBE, timeout=10).status_code != 200:
                        self.failed += 1
                except requests.RequestException:
                    self.failed += 1
                next_at += self.period
                time.sleep(max(0.0, next_at - time.monotonic()))

    def __enter__(self):
        self.thread.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *exc) -> None:
        time.sleep(0.5)
        self.stop.set()
        self.thread.join(30)


def setup(root: Path) -> None:
    import numpy as np
    import pandas as pd
    from sklearn.dummy import DummyClassifier

    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.models.registry import register_model

    rng = np.random.default_rng(0)
    data = pd.DataFrame({"a": rng.normal(0, 1, 200), "b": rng.normal(0, 1, 200)})
    data["y"] = (data.a > 0).astype(int)
    (root / "data").mkdir()
    data.to_csv(root / "data" / "train.csv", index=False)
    data.to_csv(root / "data" / "holdout.csv", index=False)
    (root / "train.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    (root / "policies").mkdir()
    (root / "policies" / "flip.yaml").write_text(POLICY)
    for constant, aliases in ((0, ["live"]), (1, [])):
        model = DummyClassifier(strategy="constant", constant=constant).fit(data[["a", "b"]], data.y)
        register_model(model, "flip", tracking_uri=resolve().tracking_uri, aliases=aliases,
                       input_example=data[["a", "b"]].head(5), reference=data[["a", "b"]])


def alert(client) -> str:
    from jupyter_mlops.core.monitoring.check import CheckResult, record_check

    rows = [{"feature": "a", "role": "feature", "statistic": "ks", "value": 0.4, "threshold": 0.1, "drifted": True}]
    return record_check(client, CheckResult(ref="flip@live", name="flip", version="1", port=1, window="1000 rows",
                                            live_rows=1000, rows=rows, drifted=["a"], status="alert"))


def latency_and_dedupe(root: Path, trials: int, events: int) -> tuple[list[tuple[str, float]], int]:
    from jupyter_mlops.core import lifecycle
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.lifecycle import audit
    from jupyter_mlops.core.store import client as store_client

    client = store_client(resolve().tracking_uri)
    watcher = lifecycle.Watcher()
    watcher.tick()
    stop = threading.Event()
    loop = threading.Thread(target=watcher.run, args=(stop, 0.5), daemon=True)
    loop.start()
    latencies: list[tuple[str, float]] = []

    def newest_triggered(before: int):
        while len(audit.history(client, "flip", decision="triggered")) == before:
            time.sleep(0.05)
        return audit.history(client, "flip", decision="triggered")[0]

    try:
        # a drift alert over the data as it is
        run_id = alert(client)
        triggered = newest_triggered(0)
        latencies.append(("drift", (triggered.time - client.get_run(run_id).info.start_time) / 1000))
        for trial in range(1, trials):  # new data: a new fingerprint, a new key
            watcher.wait(120)
            before = len(audit.history(client, "flip", decision="triggered"))
            path = root / "data" / "train.csv"
            with open(path, "a") as data:
                data.write(f"{trial}.5,0.0,1\n")
            changed = path.stat().st_mtime
            triggered = newest_triggered(before)
            latencies.append(("data", triggered.time / 1000 - changed))
        watcher.wait(120)
        # dedupe: new data, then the same drift reported `events` times over it
        before = len(audit.history(client, "flip", decision="triggered"))
        duplicates = watcher.duplicates
        with open(root / "data" / "train.csv", "a") as data:
            data.write("9.5,0.0,1\n")
        for _ in range(events):
            alert(client)
        deadline = time.monotonic() + 120
        while watcher.duplicates - duplicates < events and time.monotonic() < deadline:  # all but the first
            time.sleep(0.1)
        watcher.wait(120)
        started = len(audit.history(client, "flip", decision="triggered")) - before
    finally:
        stop.set()
        loop.join(30)
    return latencies, started


def rollover_and_rollback(rate: float) -> dict:
    from jupyter_mlops.core import lifecycle
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.models import deploy as deploying
    from jupyter_mlops.core.store import client as store_client

    client = store_client(resolve().tracking_uri)
    endpoint = lifecycle.open_endpoint("flip@live")
    with Load(endpoint.url, rate) as ours:
        moved = lifecycle.promote("flip", "2", "live", force=True)
    [backing] = [d for d in deploying.deployments(client, name="flip") if d.alias == "live"]
    with Load(backing.endpoint, rate) as plain:
        started = time.monotonic()
        deploying.deploy("flip@live", port=backing.port)
        plain_seconds = time.monotonic() - started
    started = time.perf_counter()
    client.set_registered_model_alias("flip", "live", "1")
    bare = time.perf_counter() - started
    client.set_registered_model_alias("flip", "live", "2")
    with Load(endpoint.url, rate) as back_load:
        back = lifecycle.rollback("flip", "live")
    return {"ours": (ours.sent, ours.failed, moved["rollover"]["seconds"]), "plain": (plain.sent, plain.failed,
            plain_seconds), "rollback": (back["alias_seconds"], bare, back["rollover"]["seconds"],
                                         back_load.sent, back_load.failed)}


def cleanup() -> None:
    import json

    from jupyter_mlops.core import names
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.lifecycle.endpoint import _stop_proxy
    from jupyter_mlops.core.models import deploy as deploying
    from jupyter_mlops.core.models import serving
    from jupyter_mlops.core.store import client as store_client

    uri = resolve().tracking_uri
    for d in deploying.deployments(uri, check_health=False):
        serving.stop(d.pid, d.port)
    for model in store_client(uri).search_registered_models():
        for key, value in model.tags.items():
            if key.startswith(names.ENDPOINT_TAG.format(alias="")):
                _stop_proxy(json.loads(value)["pid"], json.loads(value)["port"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlops-bench-retrain-") as tmp:
        root = Path(tmp)
        os.environ["JUPYTER_MLOPS_ROOT"] = str(root)
        os.chdir(root)
        setup(root)
        try:
            latencies, started = latency_and_dedupe(root, args.trials, args.events)
            figures = rollover_and_rollback(args.rate)
        finally:
            cleanup()
    print(f"{'figure':<46}{'ours':>14}{'plain way':>16}{'ratio':>10}")
    median = statistics.median(x for _, x in latencies)
    print(f"{'trigger -> retraining started, median (s)':<46}{median:>14.2f}{30.0:>16.2f}{median / 30:>10.3f}"
          "   plain: cron every minute (expected wait)")
    print(f"{'  each trial (s)':<46}" + ", ".join(f"{kind} {x:.2f}" for kind, x in latencies))
    print(f"{f'retrainings from new data + {args.events} alerts':<46}{started:>14}{args.events + 1:>16}"
          f"{started / (args.events + 1):>10.3f}   plain: one per event")
    sent, failed, seconds = figures["ours"]
    psent, pfailed, pseconds = figures["plain"]
    label = f"failed requests in a rollover at {args.rate:g} rps"
    print(f"{label:<46}{f'{failed}/{sent}':>14}{f'{pfailed}/{psent}':>16}{'':>10}   plain: deploy() again, same port")
    print(f"{'  rollover time (s)':<46}{seconds:>14.2f}{pseconds:>16.2f}{seconds / pseconds:>10.2f}")
    alias_s, bare_s, roll_s, bsent, bfailed = figures["rollback"]
    print(f"{'rollback: alias move + audit run (ms)':<46}{alias_s * 1000:>14.1f}{bare_s * 1000:>16.1f}"
          f"{alias_s / bare_s:>10.2f}   plain: set_registered_model_alias alone (alias move only)")
    print(f"{'rollback: rollover (s), failed requests':<46}{f'{roll_s:.2f}, {bfailed}/{bsent}':>14}")
    ok = median <= 5 and started == 1 and failed == 0 and bfailed == 0 and alias_s <= 1
    print("goals (<= 5 s, exactly 1, 0 failed, <= 1 s alias move):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
