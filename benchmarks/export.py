"""Benchmarks for notebook -> pipeline export and the python runner.

    python benchmarks/export.py [--cells 200] [--steps 8]

Prints, each measured in this run:
1. export time of a generated 200-cell notebook (target: under 1 s), with %%track marks
   and without any (1b: every working cell a step);
2. per-step overhead of the runner (nested MLflow run, fingerprints, artifacts) against
   exec'ing the same step code directly, one after the other;
3. a cached re-run against the first run of a pipeline with real work (target: >= 10x).
Uses a throwaway MLflow SQLite store in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def notebook(cells: list[str]) -> dict:
    return {"cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "outputs": [],
                       "execution_count": None, "source": s} for i, s in enumerate(cells)],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def big_notebook(n: int) -> list[str]:
    """Imports, helpers, tracked steps chained through data, plots and displays."""
    cells = ["import numpy as np\nimport pandas as pd\nSEED = 0"]
    previous = None
    for i in range(1, n):
        kind = i % 5
        if kind == 0:
            cells.append(f"def helper_{i}(v):\n    return v * {i} + SEED")
        elif kind in (1, 2):
            source = f"values_{i} = helper_{i - kind}(np.arange(100))" if i > 5 else f"values_{i} = np.arange({i})"
            if previous:
                source += f" + {previous}.sum()"
            cells.append(f"%%track --name step_{i} -p scale_{i}={i}\nfactor_{i} = 0.5\n{source}\n"
                         f"total_{i} = float(values_{i}.sum() * factor_{i})")
            previous = f"values_{i}"
        elif kind == 3:
            cells.append(f"{previous}[:5]" if previous else "1 + 1")
        else:
            cells.append(f"%time tmp_{i} = len({previous or 'SEED'} if False else [])\nprint(tmp_{i})")
    return cells[:n]


def work_notebook(steps: int) -> list[str]:
    cells = [("import numpy as np\nfrom sklearn.datasets import make_classification\n"
             "from sklearn.ensemble import RandomForestClassifier\n"
             "from sklearn.model_selection import cross_val_score"),
             "%%track --name data\nX, y = make_classification(n_samples=3000, n_features=30, random_state=0)"]
    for i in range(steps - 1):
        cells.append(f"%%track --name forest_{i} --metric score_{i}\ntrees_{i} = {40 + 10 * i}\n"
                     f"model_{i} = RandomForestClassifier(n_estimators=trees_{i}, random_state={i})\n"
                     f"score_{i} = float(cross_val_score(model_{i}, X, y, cv=3).mean())")
    return cells


def direct(cells: list[str]) -> float:
    """The same cells exec'd one after another in one namespace, as a script would."""
    namespace: dict = {}
    started = time.perf_counter()
    for source in cells:
        code = source.split("\n", 1)[1] if source.startswith("%%") else source
        exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=200)
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlops-bench-") as tmp:
        root = Path(tmp)
        os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{root / 'mlflow.db'}"
        os.environ["JUPYTER_MLOPS_ROOT"] = str(root)
        from jupyter_mlops.pipeline import export_notebook
        from jupyter_mlops.pipeline.runner import run_pipeline

        path = root / "big.ipynb"
        path.write_text(json.dumps(notebook(big_notebook(args.cells))))
        times = []
        for i in range(6):
            started = time.perf_counter()
            report = export_notebook(path, "python", root / f"big_{i}", observe=False)
            times.append(time.perf_counter() - started)
        print(f"1. export of a {args.cells}-cell notebook ({len(report.steps)} steps): first "
              f"{times[0] * 1000:.0f} ms (imports included), then median {statistics.median(times[1:]) * 1000:.0f} ms"
              f"  [target < 1000 ms]")
        unmarked = [c.split("\n", 1)[1] if c.startswith("%%track") else c for c in big_notebook(args.cells)]
        (root / "plain.ipynb").write_text(json.dumps(notebook(unmarked)))
        times = []
        for i in range(5):
            started = time.perf_counter()
            report = export_notebook(root / "plain.ipynb", "python", root / f"plain_{i}", observe=False)
            times.append(time.perf_counter() - started)
        print(f"1b. the same {args.cells} cells with no marks (every working cell a step: {len(report.steps)} "
              f"steps): median {statistics.median(times) * 1000:.0f} ms  [target < 1000 ms]")

        light = ["import numpy as np"] + [
            f"%%track --name s{i}\n"
            f"v{i} = np.sort(np.random.default_rng({i}).random(200_000)){f' + v{i-1}[0]' if i else ''}"
            for i in range(args.steps)]
        (root / "light.ipynb").write_text(json.dumps(notebook(light)))
        export_notebook(root / "light.ipynb", "python", root / "light", observe=False)
        direct(light)  # warm imports
        plain = statistics.median(direct(light) for _ in range(3))
        run_pipeline(root / "light" / "light", force=True)  # warm the store
        runs = [run_pipeline(root / "light" / "light", force=True).seconds for _ in range(3)]
        runner = statistics.median(runs)
        print(f"2. runner vs direct exec, {args.steps} chained steps: {runner * 1000:.0f} ms vs "
              f"{plain * 1000:.0f} ms -> {(runner - plain) / args.steps * 1000:.0f} ms overhead per step "
              "(nested MLflow run, fingerprints, artifacts)")

        heavy = work_notebook(args.steps)
        (root / "heavy.ipynb").write_text(json.dumps(notebook(heavy)))
        export_notebook(root / "heavy.ipynb", "python", root / "heavy", observe=False)
        baseline = direct(heavy)
        first = run_pipeline(root / "heavy" / "heavy")
        cached = run_pipeline(root / "heavy" / "heavy")
        assert sorted(cached.cached) == sorted(first.outcomes), "expected every step to be a cache hit"
        print(f"3. {args.steps}-step sklearn pipeline: direct {baseline:.2f} s, first run {first.seconds:.2f} s, "
              f"cached re-run {cached.seconds:.2f} s -> {first.seconds / cached.seconds:.1f}x faster "
              "[target >= 10x]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
