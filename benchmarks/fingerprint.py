"""Our full-content fingerprint against MLflow's own dataset digest, in one run.

MLflow's ``from_pandas(df).digest`` hashes only the first 10,000 rows.  For a ~1 GB
numeric frame and for a frame with string columns this prints, for each way: time,
throughput (bytes of the frame covered per second, and bytes actually hashed per
second) and whether a change in the last row changes the digest.

    python benchmarks/fingerprint.py [--gb 1.0]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from jupyter_mlops.core.tracking.fingerprint import fingerprint

warnings.filterwarnings("ignore")


def best_of(fn, repeats: int = 3) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - started)
    return best, value


def compare(label: str, frame: pd.DataFrame) -> None:
    import mlflow.data

    size = int(frame.memory_usage(index=True, deep=True).sum())
    hashed_by_mlflow = int(frame.head(10_000).memory_usage(index=True, deep=True).sum())
    changed = frame.copy()
    column = changed.columns[0]
    last = changed.index[-1]
    changed.loc[last, column] = changed.loc[last, column] * 2 + 1 if frame[column].dtype.kind in "if" else "changed"

    ours_time, ours = best_of(lambda: fingerprint(frame).digest)
    theirs_time, theirs = best_of(lambda: mlflow.data.from_pandas(frame).digest)
    ours_detects = fingerprint(changed).digest != ours
    theirs_detects = mlflow.data.from_pandas(changed).digest != theirs
    print(f"\n{label}: {len(frame):,} rows x {frame.shape[1]} columns, {size / 1e9:.2f} GB")
    print(f"  jupyter-mlops fingerprint : {ours_time * 1000:9.1f} ms  {size / ours_time / 1e9:7.2f} GB/s "
          f"(every value)           last-row change detected: {ours_detects}")
    print(f"  mlflow from_pandas digest : {theirs_time * 1000:9.1f} ms  "
          f"{hashed_by_mlflow / theirs_time / 1e9:7.3f} GB/s "
          f"(first 10,000 rows only) last-row change detected: {theirs_detects}")
    print(f"  time for the whole frame: ours {theirs_time / ours_time:.1f}x faster; throughput ratio "
          f"(bytes hashed per second): {(size / ours_time) / (hashed_by_mlflow / theirs_time):.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=1.0, help="size of the numeric frame (default 1.0)")
    args = parser.parse_args()
    columns = 16
    rows = int(args.gb * 1e9 / 8 / columns)
    rng = np.random.default_rng(0)
    numeric = pd.DataFrame(rng.random((rows, columns)), columns=[f"f{i}" for i in range(columns)])
    compare("numeric frame", numeric)
    del numeric
    n = 2_000_000
    strings = pd.DataFrame({
        "name": [f"customer-{i}" for i in range(n)],
        "city": pd.Series(rng.choice(["Lisbon", "Oslo", "Lima", "Pune"], n)).astype(str),
        "amount": rng.random(n),
    })
    compare("frame with string columns", strings)


if __name__ == "__main__":
    main()
