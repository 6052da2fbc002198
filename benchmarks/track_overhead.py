"""What %%track costs a cell, against the hand-written MLflow way, in one run.

For N trivial cells, on the same store: untracked cells (with and without the
extension loaded), ``%%track`` cells, and cells that do by hand what a careful user
would (start_run, log_params, log_metrics, log_text of the source, set_tags).  Once on
the embedded SQLite store, once against a local ``mlflow server`` (on PostgreSQL when
127.0.0.1:5432 answers, else on SQLite).  Prints per-cell medians and the ratio of added
critical-path time: (track - untracked) / (hand-written - untracked).

    python benchmarks/track_overhead.py [--cells 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

TRIVIAL = "a = 1\nb = 2.5\nc = a + b"
HAND_WRITTEN = '''import mlflow
with mlflow.start_run(run_name="hand"):
    a = 1
    b = 2.5
    c = a + b
    mlflow.log_params({"a": a, "b": b})
    mlflow.log_metrics({"c": c})
    mlflow.log_text(_cell_source, "cell.py")
    mlflow.set_tags({"cell": "3", "kind": "hand"})
'''


def timed_cells(ip, source: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        result = ip.run_cell(source, store_history=True)
        times.append(time.perf_counter() - started)
        if not result.success:
            raise RuntimeError(f"benchmark cell failed: {result.error_in_exec or result.error_before_exec}")
    return times


def measure(ip, uri: str, cells: int) -> dict[str, float]:
    os.environ["MLFLOW_TRACKING_URI"] = uri
    import mlflow

    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("hand-written")
    ip.user_ns["_cell_source"] = TRIVIAL
    from jupyter_mlops.kernel import load_ipython_extension

    load_ipython_extension(ip)
    ip.run_line_magic("mlops", "sync --timeout 600")
    results = {
        "untracked": statistics.median(timed_cells(ip, TRIVIAL, cells)),
        "hand-written": statistics.median(timed_cells(ip, HAND_WRITTEN, cells)),
    }
    results["%%track"] = statistics.median(timed_cells(ip, "%%track -q\n" + TRIVIAL, cells))
    started = time.perf_counter()
    ip.run_line_magic("mlops", "sync --timeout 600")
    results["drain (background, per run)"] = (time.perf_counter() - started) / cells
    return results


def untracked_overhead(cells: int) -> tuple[float, float]:
    code = (
        "import statistics, time\nfrom IPython.testing.globalipapp import start_ipython\nip = start_ipython()\n"
        f"def cells():\n    out = []\n    for _ in range({cells * 5}):\n"
        "        t = time.perf_counter(); ip.run_cell('x = 1', store_history=True)\n"
        "        out.append(time.perf_counter() - t)\n"
        "    return statistics.median(out)\n"
        "before = cells()\nip.run_line_magic('load_ext', 'jupyter_mlops')\nafter = cells()\nprint(before, after)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def load_ext_time(repeats: int = 5) -> float:
    code = ("import time\nfrom IPython.testing.globalipapp import start_ipython\nip = start_ipython()\n"
            "t = time.perf_counter(); ip.run_line_magic('load_ext', 'jupyter_mlops'); print(time.perf_counter() - t)")
    return statistics.median(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(repeats))


def postgres_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means: no PostgreSQL here
        return False


def report(name: str, results: dict[str, float]) -> None:
    base = results["untracked"]
    ours, hand = results["%%track"] - base, results["hand-written"] - base
    print(f"\n{name}")
    for label, seconds in results.items():
        print(f"  {label:<28} {seconds * 1000:8.2f} ms per cell")
    print(f"  added critical path: %%track {ours * 1000:.2f} ms, hand-written {hand * 1000:.2f} ms, "
          f"ratio {ours / hand:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=200)
    args = parser.parse_args()
    from IPython.testing.globalipapp import start_ipython

    from mlops_testing import MlflowServer

    root = Path(tempfile.mkdtemp(prefix="mlops-bench-"))
    os.environ.update(JUPYTER_MLOPS_ROOT=str(root), JUPYTER_MLOPS_DRAINER_IDLE="30")
    os.chdir(root)
    ip = start_ipython()
    ip.run_line_magic("load_ext", "jupyter_mlops")
    from jupyter_mlops.core.config import embedded_uri

    report("embedded SQLite store", measure(ip, embedded_uri(root / ".mlops"), args.cells))
    server = MlflowServer(root)
    if not postgres_available():
        server.backend = f"sqlite:///{root}/server.db"
        server.drop = lambda: None
    server.start()
    try:
        report(f"mlflow server ({server.backend.split(':')[0]})", measure(ip, server.url, args.cells))
    finally:
        server.stop()
        server.drop()
    before, after = untracked_overhead(args.cells)
    print(f"\nuntracked cell: {before * 1e6:.1f} us without the extension, {after * 1e6:.1f} us with it "
          f"(+{(after - before) * 1e6:.1f} us)")
    print(f"%load_ext jupyter_mlops: {load_ext_time() * 1000:.1f} ms (median of 5 fresh processes)")


if __name__ == "__main__":
    main()
