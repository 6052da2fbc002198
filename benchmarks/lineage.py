"""Benchmark: the lineage graph of a model whose history spans 1,000 runs.

    python benchmarks/lineage.py [--runs 1000] [--versions 10] [--store DIR]

Builds a throwaway SQLite store (or reuses --store) holding a chain of tracked-run-shaped
runs: run i reads the fingerprint run i-1 wrote (as MLflow dataset inputs and the
mlops.data.* tags, ~25 tags each like a %%track run); every (runs/versions)-th run logged
a model that was registered as a version of "churn", the last one aliased @champion.

Prints, measured in this run, what ``GET lineage?model=churn`` does (lineage_graph +
JSON encoding):
1. ours, cold (first call in a process: the experiment's runs are indexed once);
2. ours, warm (the sidebar polling again: two small incremental queries; target < 100 ms);
3. the naive way: walk upstream with one query per hop (get_run, then a search_runs on
   ``datasets.digest`` for each input to find its producer), as a hand-written client would;
4. over HTTP through a real Jupyter server with the extension: the very first GET lineage
   after the server started (nothing indexed), the first one after the sidebar listed the
   experiments (the server indexes them in the background meanwhile; --think seconds
   later, the time a user takes to pick a model), and repeated calls.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sidebar_api import free_port, get, start_server, wait_until_up  # noqa: E402 - the same launcher


def build(client, runs: int, versions: int) -> None:
    from mlflow.entities import Dataset, DatasetInput, InputTag, RunTag

    from jupyter_mlops.core import names, store

    experiment = store.experiment_id(client, "churn.ipynb")
    every = max(runs // versions, 1)
    previous = None
    started = time.perf_counter()
    for i in range(runs):
        digest = f"{i:032x}"
        tags = {f"mlops.filler.{j}": "x" * 60 for j in range(18)}
        tags.update({names.KIND: "cell", names.NOTEBOOK: "churn.ipynb", names.CELL_ID: f"cell-{i % 7}",
                     names.CELL_SOURCE: "X = step(X)\n" * 20})
        run = client.create_run(experiment, run_name=f"churn [{i}]", tags=tags, start_time=1_700_000_000_000 + i)
        run_id = run.info.run_id
        inputs = [DatasetInput(Dataset("X", digest, "code", "{}"), [InputTag(names.DATASET_ROLE, "output"),
                                                                      InputTag(names.DATASET_CONTEXT, "output")])]
        previous = previous or "f" * 32  # the first run reads a file no run wrote
        inputs.append(DatasetInput(Dataset("X", previous, "code", "{}"),
                                   [InputTag(names.DATASET_ROLE, "input"), InputTag(names.DATASET_CONTEXT, "input")]))
        data_in = [{"name": "X", "digest": previous, "kind": "pandas.DataFrame", "shape": [100, 2]}]
        client.log_inputs(run_id, datasets=inputs)
        client.log_batch(run_id, tags=[
            RunTag(names.DATA_INPUTS, json.dumps(data_in)),
            RunTag(names.DATA_OUTPUTS, json.dumps([{"name": "X", "digest": digest, "kind": "pandas.DataFrame"}]))])
        if (i + 1) % every == 0:
            model = client.create_logged_model(experiment_id=experiment, name="model", source_run_id=run_id)
            if not _exists(client, "churn"):
                client.create_registered_model("churn")
            version = client.create_model_version("churn", f"models:/{model.model_id}", run_id=run_id,
                                                  model_id=model.model_id)
            client.set_registered_model_alias("churn", "champion", version.version)
        client.set_terminated(run_id, end_time=1_700_000_000_000 + i + 1)
        previous = digest
        if (i + 1) % 200 == 0:
            print(f"  built {i + 1} runs ({time.perf_counter() - started:.0f} s)", flush=True)


def _exists(client, name: str) -> bool:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
        return True
    except MlflowException:
        return False


def naive_lineage(client, model: str) -> dict:
    """One query per hop: what a client without an index does."""
    nodes, edges = {}, []
    experiments = [e.experiment_id for e in client.search_experiments()]
    frontier = []
    for mv in client.search_model_versions(f"name = '{model}'"):
        nodes[f"model_version:{mv.name}/{mv.version}"] = {"kind": "model_version"}
        if mv.run_id:
            frontier.append(mv.run_id)
            edges.append((f"run:{mv.run_id}", f"model_version:{mv.name}/{mv.version}"))
    seen = set(frontier)
    while frontier:
        run_id = frontier.pop()
        run = client.get_run(run_id)
        nodes[f"run:{run_id}"] = {"kind": "run"}
        for dataset_input in run.inputs.dataset_inputs:
            role = {t.key: t.value for t in dataset_input.tags}.get("mlops.data.role")
            if role != "input":
                continue
            digest = dataset_input.dataset.digest
            nodes[f"dataset:{digest}"] = {"kind": "dataset"}
            edges.append((f"dataset:{digest}", f"run:{run_id}"))
            producers = client.search_runs(experiments, filter_string=f"datasets.digest = '{digest}'",
                                           order_by=["attributes.start_time DESC"])
            for producer in producers:
                if producer.info.run_id == run_id or producer.info.start_time > run.info.start_time:
                    continue
                edges.append((f"run:{producer.info.run_id}", f"dataset:{digest}"))
                if producer.info.run_id not in seen:
                    seen.add(producer.info.run_id)
                    frontier.append(producer.info.run_id)
                break
    return {"nodes": nodes, "edges": edges}


def timed(call, repeat: int = 1) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


@contextlib.contextmanager
def served(folder: Path):
    """A Jupyter server with the extension on the store in ``folder``; yields a timed GET."""
    port, token = free_port(), secrets.token_hex(16)
    server = start_server(folder, port, token, {"JUPYTER_MLOPS_ROOT": str(folder)})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        wait_until_up(conn, token)

        def call(path: str) -> float:
            started = time.perf_counter()
            get(conn, "/jupyter-mlops/api/" + path, token)
            return (time.perf_counter() - started) * 1000

        yield call
    finally:
        conn.close()
        server.terminate()
        server.wait(timeout=30)


def over_http(folder: Path, think: float) -> None:
    lineage = "lineage?model=churn"
    print("\nGET /jupyter-mlops/api/lineage?model=churn through a Jupyter server:")
    with served(folder) as call:
        print(f"  first request after start, nothing indexed:  {call(lineage):8.1f} ms")
    with served(folder) as call:
        call("experiments")  # what the sidebar asks first
        time.sleep(think)
        first = call(lineage)
        warm = [call(lineage) for _ in range(20)]
    print(f"  first request {think:.0f} s after GET experiments: {first:8.1f} ms   (target < 100 ms)")
    print(f"  repeated (median of 20):                      {statistics.median(warm):8.1f} ms   "
          f"(min {min(warm):.1f}, max {max(warm):.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--store", help="Folder for the store (kept; reused when it already holds one).")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--think", type=float, default=3.0,
                        help="seconds between the sidebar listing experiments and asking for lineage")
    args = parser.parse_args()
    folder = Path(args.store or tempfile.mkdtemp(prefix="mlops-lineage-bench-")).resolve()
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    os.environ["JUPYTER_MLOPS_ROOT"] = str(folder)
    from jupyter_mlops.core import store
    from jupyter_mlops.core.config import export_to_environment, resolve
    from jupyter_mlops.core.lineage import index as lineage_index
    from jupyter_mlops.core.lineage.graph import lineage_graph

    settings = resolve()
    export_to_environment(settings)
    client = store.client(settings.tracking_uri)
    if not _exists(client, "churn"):
        print(f"building {args.runs} runs, {args.versions} versions in {folder} ...", flush=True)
        build(client, args.runs, args.versions)

    def ours() -> dict:
        graph = lineage_graph(client, model="churn")
        json.dumps(graph)
        return graph

    cold, graph = timed(ours)
    warm, graph = timed(ours, repeat=20)
    runs = sum(1 for n in graph["nodes"] if n["kind"] == "run")
    print(f"\nlineage of model 'churn': {len(graph['nodes'])} nodes ({runs} runs), {len(graph['edges'])} edges")
    print(f"  ours, cold (index built):      {cold[0]:8.1f} ms")
    print(f"  ours, warm (median of 20):     {statistics.median(warm):8.1f} ms   (target < 100 ms; "
          f"min {min(warm):.1f}, max {max(warm):.1f})")
    lineage_index.forget()
    if not args.skip_naive:
        naive, result = timed(lambda: naive_lineage(client, "churn"))
        naive_runs = sum(1 for n in result["nodes"].values() if n["kind"] == "run")
        print(f"  naive, one query per hop:      {naive[0]:8.1f} ms   ({naive_runs} runs found)")
        print(f"  warm speed-up over naive:      {naive[0] / statistics.median(warm):8.0f} x")
    over_http(folder, args.think)


if __name__ == "__main__":
    main()
