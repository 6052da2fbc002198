"""Benchmark: time to the first successful ``POST /invocations`` after asking for a server.

    python benchmarks/deploy.py [--repeat 3] [--trees 50]

Builds a throwaway embedded store, registers a RandomForestClassifier (stored with skops)
as ``bench@champion``, then, alternating, measures from the call to the first answered
``/invocations`` request (a 5-row ``dataframe_split``, polled every 50 ms):

1. ours: ``deploy("bench@champion")``, as ``%deploy`` calls it from a kernel that has
   MLflow imported (download the model, start MLflow's scoring server, wait for /ping,
   record the deployment), then the first request;
2. MLflow's own: ``python -m mlflow models serve -m models:/bench/1 --env-manager local
   -w 1`` started as a subprocess (with the interpreter's ``bin`` on PATH, which it needs
   to find uvicorn), polled the same way.

Prints each measurement, the medians and ours / MLflow's (goal: at most 1.1).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REQUEST = None  # the JSON body, built once the data exists


def first_invocation(endpoint: str, deadline: float) -> None:
    """Return once ``endpoint`` answers a prediction request with 200."""
    while time.monotonic() < deadline:
        request = urllib.request.Request(f"{endpoint}/invocations", data=REQUEST,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    response.read()
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{endpoint} did not answer /invocations in time")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ours(tracking_uri: str, state_dir: Path) -> float:
    from jupyter_mlops.core.models.deploy import deploy
    from jupyter_mlops.core.models.stopping import undeploy

    started = time.perf_counter()
    deployment = deploy("bench@champion", tracking_uri=tracking_uri, state_dir=state_dir, port=free_port())
    first_invocation(deployment.endpoint, time.monotonic() + 300)
    elapsed = time.perf_counter() - started
    undeploy("bench@champion", tracking_uri=tracking_uri)
    return elapsed


def mlflows(tracking_uri: str, log: Path) -> float:
    port = free_port()
    env = dict(os.environ, MLFLOW_TRACKING_URI=tracking_uri, MLFLOW_REGISTRY_URI=tracking_uri)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    started = time.perf_counter()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "models", "serve", "-m", "models:/bench/1", "--env-manager", "local",
             "-h", "127.0.0.1", "-p", str(port), "-w", "1"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        first_invocation(f"http://127.0.0.1:{port}", time.monotonic() + 300)
        return time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="Measurements of each (alternating); default 3.")
    parser.add_argument("--trees", type=int, default=50, help="Trees in the registered forest; default 50.")
    args = parser.parse_args()

    global REQUEST
    import json

    import numpy as np
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier

    from jupyter_mlops.core.config import embedded_uri
    from jupyter_mlops.core.models.registry import register_model
    from jupyter_mlops.core.store import prepare_uri

    folder = Path(tempfile.mkdtemp(prefix="mlops-deploy-bench-"))
    tracking_uri = embedded_uri(folder)
    prepare_uri(tracking_uri)
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.random((2000, 8)), columns=[f"f{i}" for i in range(8)])
    model = RandomForestClassifier(n_estimators=args.trees, random_state=0).fit(X, (X.f0 + X.f1 > 1).astype(int))
    reg = register_model(model, "bench", tracking_uri=tracking_uri, aliases=["champion"], input_example=X.head(5))
    REQUEST = json.dumps({"dataframe_split": X.head(5).to_dict(orient="split")}).encode()
    print(f"store {folder}; registered {reg.model_uri} ({reg.flavor}, {reg.serialization}), {args.trees} trees")

    timings: dict[str, list[float]] = {"ours (deploy)": [], "mlflow models serve": []}
    for i in range(args.repeat):
        order = [("ours (deploy)", lambda: ours(tracking_uri, folder)),
                 ("mlflow models serve", lambda: mlflows(tracking_uri, folder / "mlflow-serve.log"))]
        for name, measure in order if i % 2 == 0 else reversed(order):
            seconds = measure()
            timings[name].append(seconds)
            print(f"  {name:<22} {seconds:6.2f} s")
    ours_median = statistics.median(timings["ours (deploy)"])
    theirs_median = statistics.median(timings["mlflow models serve"])
    print(f"\ntime to the first successful /invocations, median of {args.repeat}:")
    print(f"  ours (deploy):        {ours_median:6.2f} s")
    print(f"  mlflow models serve:  {theirs_median:6.2f} s")
    print(f"  ratio ours / mlflow:  {ours_median / theirs_median:6.2f}x (goal <= 1.1x)")


if __name__ == "__main__":
    main()
