"""Benchmark: data contracts (``core/contracts``), speed, faults caught, false failures.

    python benchmarks/contracts.py [--rows 1000000] [--resamples 200] [--repeat 3] [--only-serving] [--requests 1000]
                                   [--only-speed] [--gx-python PATH] [--gx-rows N] [--gx-timeout S]

1. Speed: a 1,000,000 x 50 frame (ints, floats, floats with nulls, text categories,
   pandas categoricals, a key column) validated against the contract inferred from it:
   ``validate(frame, contract)`` (first call, which compiles the schema, and the median
   of the next ones) against the same checks written by hand as a pandera schema
   (dtype, nullability, uniqueness, ranges, category sets, strict and ordered columns,
   the same binomial quantile checks as custom checks).  Goal: ours <= 1 s.
   Great Expectations (issue #14, optional): it brings its own pandas/numpy stack, so it
   runs in its own virtualenv, named by ``--gx-python`` (or ``GX_PYTHON``), with
   ``great_expectations`` and ``pyarrow``. The frame is written to parquet and
   ``benchmarks/peers/gx_validate.py`` builds the equivalent expectations (ordered
   columns, dtypes, not-null, ranges, category sets, key uniqueness; not the quantile
   checks, so GX does less work) and times ``batch.validate`` in a subprocess killed after
   ``--gx-timeout`` s. With ``--gx-rows`` below ``rows``, both run on the first N rows.
2. Faults: on five datasets (scikit-learn's bundled iris, wine, breast_cancer, diabetes,
   and a synthetic orders table with a key, text categories, nulls and dates) the
   contract is inferred from the clean data, then each fault is injected into a copy, for
   every column it applies to: a null in a non-null column, a dtype change, a value
   outside the seen range, an unseen category, a column dropped, renamed or reordered,
   a duplicated key, a distribution shifted by one standard deviation (clipped to the
   seen range, so only the quantile checks can see it).  Goal: 100% caught.
3. False failures: bootstrap re-samples of each clean dataset (rows drawn with
   replacement; a key column gets the original keys back, since a re-sample is a new
   draw of records, each with its own id).  Goal: at most 1% fail.
4. Serving (``%deploy --contract``): the per-request cost of checking a request's rows in
   our ASGI layer (core/monitoring/app.py, in process around a trivial model app, so only
   the layer is timed), with the contract against without, for clean requests of 1, 20 and
   200 rows and a violating 1-row request; beside it, ``validate`` (pandera) on the same
   rows, the way a check without the quick paths would cost.  Then over real HTTP: two
   servers of one registered model started by ``deploy()``, one checking its contract
   (``log`` mode) and one not, single-row requests sent to each in turn (client-side ms).
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

from jupyter_mlops.core import contracts  # noqa: E402


# -- 1. speed ------------------------------------------------------------------------------
def wide_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns: dict = {"customer_id": np.arange(rows)}
    for i in range(30):
        columns[f"f{i}"] = rng.normal(i, 1 + i % 5, rows)
    for i in range(8):
        columns[f"n{i}"] = rng.integers(0, 1000, rows)
    for i in range(4):
        columns[f"g{i}"] = np.where(rng.random(rows) < 0.05, np.nan, rng.gamma(2.0, 10.0, rows))
    for i in range(4):
        columns[f"s{i}"] = rng.choice(["north", "south", "east", "west", "centre"], rows)
    for i in range(3):
        columns[f"c{i}"] = pd.Categorical(rng.choice(["a", "b", "c", "d"], rows))
    return pd.DataFrame(columns)


def hand_written_schema(frame: pd.DataFrame):
    """The same checks as the inferred contract, written directly with pandera."""
    import pandera.pandas as pa
    from scipy.special import bdtr, bdtrc

    alpha, min_rows = 0.001, 30
    numeric = [c for c in frame.columns if frame[c].dtype.kind in "if" and c != "customer_id"]
    quantile_points = {}
    for name in numeric:
        values = np.sort(frame[name].dropna().to_numpy())
        points = sorted({float(values[int(q * (len(values) - 1))]) for q in (0.1, 0.25, 0.5, 0.75, 0.9)})
        quantile_points[name] = [(p, np.searchsorted(values, p, side="right") / len(values)) for p in points]
    threshold = alpha / sum(len(v) for v in quantile_points.values())

    def distribution(points):
        at = np.array([p for p, _ in points])
        shares = np.array([s for _, s in points])

        def check(series) -> bool:
            values = series.to_numpy()
            m = int(np.count_nonzero(~np.isnan(values))) if values.dtype.kind == "f" else len(values)
            if m < min_rows:
                return True
            k = np.array([np.count_nonzero(values <= p) for p in at])
            upper = np.where(k > 0, bdtrc(k - 1, m, shares), 1.0)
            return bool((np.minimum(1, 2 * np.minimum(bdtr(k, m, shares), upper)) >= threshold).all())
        return check

    columns = {"customer_id": pa.Column("int64", pa.Check.in_range(0, len(frame) - 1), unique=True)}
    for name in frame.columns[1:]:
        series = frame[name]
        checks = []
        if name in quantile_points:
            checks.append(pa.Check.in_range(series.min(), series.max()))
            checks.append(pa.Check(distribution(quantile_points[name]), ignore_na=False))
            columns[name] = pa.Column(series.dtype, checks, nullable=bool(series.isna().any()))
        elif isinstance(series.dtype, pd.CategoricalDtype):
            columns[name] = pa.Column(series.dtype, pa.Check.isin(list(series.cat.categories)))
        else:
            columns[name] = pa.Column(checks=[pa.Check.isin(sorted(series.unique())),
                                              pa.Check(lambda s: s.dtype == "str", name="dtype")])
    return pa.DataFrameSchema(columns, strict=True, ordered=True)


def speed(rows: int, repeat: int) -> pd.DataFrame:
    frame = wide_frame(rows)
    started = time.perf_counter()
    contract = contracts.infer(frame, "wide")
    inferred = time.perf_counter() - started
    started = time.perf_counter()
    report = contracts.validate(frame, contract)
    first = time.perf_counter() - started
    assert report.ok, report.summary()
    ours = []
    for _ in range(repeat):
        started = time.perf_counter()
        contracts.validate(frame, contract)
        ours.append(time.perf_counter() - started)
    schema = hand_written_schema(frame)
    schema.validate(frame, lazy=True, inplace=True)  # the same warm-up
    theirs = []
    for _ in range(repeat):
        started = time.perf_counter()
        schema.validate(frame, lazy=True, inplace=True)
        theirs.append(time.perf_counter() - started)
    ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
    print(f"## Speed: {rows:,} rows x {frame.shape[1]} columns, {report.checks} checks")
    print(f"  infer the contract                       {inferred:7.3f} s")
    print(f"  validate, first call (compiles schema)   {first:7.3f} s")
    print(f"  validate, ours (median of {repeat})            {ours_s:7.3f} s   goal <= 1 s: "
          f"{'met' if ours_s <= 1 else 'MISSED'}")
    print(f"  hand-written pandera schema (median)     {theirs_s:7.3f} s")
    print(f"  ours / hand-written pandera              {ours_s / theirs_s:7.2f}")
    return frame


def great_expectations(python: str, frame: pd.DataFrame, rows: int, repeat: int, timeout: float) -> None:
    """Ours against Great Expectations on the same rows, in GX's own interpreter."""
    sample = frame.iloc[:rows].reset_index(drop=True)
    contract = contracts.infer(sample, "wide")
    report = contracts.validate(sample, contract)  # compiles
    ours = []
    for _ in range(repeat):
        started = time.perf_counter()
        contracts.validate(sample, contract)
        ours.append(time.perf_counter() - started)
    ours_s = statistics.median(ours)
    script = Path(__file__).resolve().parent / "peers" / "gx_validate.py"
    print(f"\n## Great Expectations ({python}): {len(sample):,} rows x {sample.shape[1]} columns")
    with tempfile.TemporaryDirectory() as folder:
        sample.to_parquet(Path(folder) / "frame.parquet")
        try:
            done = subprocess.run([python, str(script), str(Path(folder) / "frame.parquet"), "--repeat", str(repeat)],
                                  capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            print(f"  validate, ours (median of {repeat})            {ours_s:7.3f} s")
            print(f"  Great Expectations did not finish within {timeout:.0f} s (killed); try a smaller --gx-rows")
            return
    if done.returncode != 0:
        print(f"  Great Expectations failed (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
        return
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  validate, ours (median of {repeat})            {ours_s:7.3f} s   "
          f"{report.checks} checks, ok={report.ok}")
    print(f"  GX {theirs['version']:<10} batch.validate, first       {theirs['first']:7.3f} s   "
          f"{theirs['expectations']} expectations, success={theirs['success']}")
    print(f"  GX batch.validate (median of {repeat})          {theirs['median']:7.3f} s")
    print(f"  GX / ours                                {theirs['median'] / ours_s:7.1f}x")


# -- 2. faults and 3. false failures ---------------------------------------------------------
def datasets() -> dict[str, pd.DataFrame]:
    from sklearn import datasets as sk

    found = {}
    iris = sk.load_iris(as_frame=True).frame
    iris["species"] = iris.pop("target").map(dict(enumerate(["setosa", "versicolor", "virginica"])))
    found["iris"] = iris
    wine = sk.load_wine(as_frame=True).frame
    wine["cultivar"] = wine.pop("target").map(dict(enumerate(["barolo", "grignolino", "barbera"])))
    found["wine"] = wine
    found["breast_cancer"] = sk.load_breast_cancer(as_frame=True).frame
    found["diabetes"] = sk.load_diabetes(as_frame=True).frame
    rng = np.random.default_rng(7)
    n = 2000
    found["orders"] = pd.DataFrame({
        "order_id": np.arange(10_000, 10_000 + n), "amount": rng.lognormal(3, 0.6, n).round(2),
        "items": rng.integers(1, 12, n),
        "country": rng.choice(["DE", "FR", "NL", "BE", "AT"], n, p=[.4, .2, .2, .1, .1]),
        "channel": pd.Categorical(rng.choice(["web", "app", "shop"], n)),
        "discount": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(0, 0.3, n)),
        "placed": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h"),
    })
    return found


# The violation each fault should show up as (any one of them).
EXPECTED = {"null in a non-null column": {"not_null"}, "dtype change": {"dtype"},
            "value outside the seen range": {"range"}, "unseen category": {"categories"},
            "duplicated key": {"unique"}, "shifted distribution": {"quantiles"}, "column dropped": {"missing_column"},
            "column renamed": {"missing_column", "unexpected_column"}, "columns reordered": {"column_order"}}


def faults(frame: pd.DataFrame, contract) -> list[tuple[str, str, pd.DataFrame]]:
    """(fault, column, faulty frame) for every fault that applies to a column."""
    rng = np.random.default_rng(11)
    out = []
    row = int(rng.integers(1, len(frame)))
    for rule in contract.columns:
        name = rule.name
        series = frame[name]
        if not rule.nullable:
            bad = frame.copy()
            bad[name] = bad[name].astype(object) if series.dtype.kind in "iub" else bad[name]
            bad.loc[row, name] = None
            bad[name] = bad[name].astype(series.dtype) if series.dtype.kind not in "iub" else bad[name]
            out.append(("null in a non-null column", name, bad))
        retyped = {"f": "float32", "i": "float64", "M": "str"}.get(series.dtype.kind, "object")
        out.append(("dtype change", name, frame.astype({name: retyped})))
        if rule.max is not None and series.dtype.kind in "if":
            bad = frame.copy()
            bad.loc[row, name] = rule.max + (rule.max - rule.min or 1)
            out.append(("value outside the seen range", name, bad))
        elif rule.max is not None and series.dtype.kind == "M":
            bad = frame.copy()
            bad.loc[row, name] = series.max() + pd.Timedelta(days=30)
            out.append(("value outside the seen range", name, bad))
        if rule.categories is not None:
            bad = frame.copy()
            if isinstance(series.dtype, pd.CategoricalDtype):
                bad[name] = bad[name].cat.add_categories(["__unseen__"])
            bad.loc[row, name] = "__unseen__"
            out.append(("unseen category", name, bad))
        if rule.unique:
            bad = frame.copy()
            bad.loc[row, name] = bad.loc[row - 1, name]
            out.append(("duplicated key", name, bad))
        if rule.quantiles:
            sd = float(series.std())
            step = max(1, round(sd)) if series.dtype.kind == "i" else sd
            shifted = (series + step).clip(upper=series.max()).astype(series.dtype)
            out.append(("shifted distribution", name, frame.assign(**{name: shifted})))
        out.append(("column dropped", name, frame.drop(columns=[name])))
        out.append(("column renamed", name, frame.rename(columns={name: f"{name}_v2"})))
    swapped = list(frame.columns)
    swapped[0], swapped[-1] = swapped[-1], swapped[0]
    out.append(("columns reordered", "(first, last)", frame[swapped]))
    return out


def resample(frame: pd.DataFrame, contract, rng) -> pd.DataFrame:
    sample = frame.iloc[rng.integers(0, len(frame), len(frame))].reset_index(drop=True)
    for rule in contract.columns:
        if rule.unique:
            sample[rule.name] = np.sort(frame[rule.name].to_numpy())
    return sample


def quality(resamples: int) -> None:
    by_kind: dict[str, list[int]] = {}
    rows = []
    for name, frame in datasets().items():
        contract = contracts.infer(frame, name)
        injected = faults(frame, contract)
        caught = 0
        for kind, column, bad in injected:
            report = contracts.validate(bad, contract)
            hit = not report.ok
            caught += hit
            counts = by_kind.setdefault(kind, [0, 0, 0])
            counts[0] += hit
            counts[1] += bool(EXPECTED[kind] & {v.check for v in report.violations})
            counts[2] += 1
            if not hit:
                print(f"  MISSED: {name}: {kind} in {column}")
        rng = np.random.default_rng(1)
        failed = sum(not contracts.validate(resample(frame, contract, rng), contract).ok for _ in range(resamples))
        rows.append((name, frame.shape, len(injected), caught, resamples, failed))
    print("\n## Faults caught and false failures, per dataset")
    print(f"  {'dataset':<14} {'rows x cols':>12} {'faults':>7} {'caught':>7} {'rate':>7}  "
          f"{'resamples':>9} {'failed':>7} {'false rate':>10}")
    for name, shape, total, caught, count, failed in rows:
        print(f"  {name:<14} {f'{shape[0]} x {shape[1]}':>12} {total:>7} {caught:>7} {caught / total:>7.1%}  "
              f"{count:>9} {failed:>7} {failed / count:>10.2%}")
    total = sum(r[2] for r in rows)
    caught = sum(r[3] for r in rows)
    checked = sum(r[4] for r in rows)
    failed = sum(r[5] for r in rows)
    print(f"  {'all':<14} {'':>12} {total:>7} {caught:>7} {caught / total:>7.1%}  {checked:>9} {failed:>7} "
          f"{failed / checked:>10.2%}")
    print(f"  goals: 100% caught ({'met' if caught == total else 'MISSED'}), "
          f"<= 1% false failures ({'met' if failed <= checked / 100 else 'MISSED'})")
    print("\n## Faults caught, per kind (all datasets)")
    print(f"  {'fault':<30} {'faults':>6} {'caught':>7} {'by its own check':>17}")
    for kind, (hit, own, count) in by_kind.items():
        print(f"  {kind:<30} {count:>6} {hit / count:>7.1%} {own / count:>17.1%}")


# -- 4. serving ----------------------------------------------------------------------------
def serving(repeat: int = 300) -> None:
    import asyncio
    import json
    import tempfile

    from jupyter_mlops.core.monitoring.app import MonitoredApp
    from jupyter_mlops.core.monitoring.contract_check import RequestContract
    from jupyter_mlops.core.monitoring.metrics import ServerMetrics
    from jupyter_mlops.core.monitoring.predlog import PredictionLog

    rng = np.random.default_rng(4)
    n = 5000
    reference = pd.DataFrame({**{f"f{i}": rng.normal(i, 1, n) for i in range(8)}, "age": rng.integers(18, 90, n),
                              "plan": rng.choice(["basic", "pro", "team"], n)})
    contract = contracts.infer(reference, "serving")

    async def model(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"predictions": [1]}'})

    def body(rows: pd.DataFrame) -> bytes:
        return json.dumps({"dataframe_split": json.loads(rows.to_json(orient="split", index=False))}).encode()

    bad = reference.head(1).copy()
    bad["age"] = 300
    cases = {"1 row": body(reference.head(1)), "20 rows": body(reference.head(20)),
             "200 rows": body(reference.head(200)), "1 bad row": body(bad)}

    async def one(app, payload: bytes) -> float:
        async def receive():
            return {"type": "http.request", "body": payload, "more_body": False}

        async def send(message):
            return None

        scope = {"type": "http", "path": "/invocations", "method": "POST",
                 "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]}
        started = time.perf_counter()
        await app(scope, receive, send)
        return (time.perf_counter() - started) * 1000

    print("\n4. serving: per-request cost of the contract in our ASGI layer (in process, ms, p50; log on)")
    print(f"   {'request':<10} {'no contract':>12} {'contract':>10} {'adds':>8}   {'pandera validate':>16}")
    with tempfile.TemporaryDirectory() as folder:
        log = PredictionLog(Path(folder))
        plain = MonitoredApp(model, log, ServerMetrics("m", "1"), "1")
        checked = MonitoredApp(model, log, ServerMetrics("m", "1"), "1",
                               contract=RequestContract(contract, "log"))
        for label, payload in cases.items():
            times: dict[str, list[float]] = {"plain": [], "checked": []}

            async def run_all():
                for _ in range(repeat):
                    times["plain"].append(await one(plain, payload))  # noqa: B023 - used at once
                    times["checked"].append(await one(checked, payload))  # noqa: B023

            asyncio.run(run_all())
            frame = checked.contract.frame(payload, "application/json")
            started = time.perf_counter()
            for _ in range(20):
                contracts.validate(frame, contract)
            pandera_ms = (time.perf_counter() - started) * 1000 / 20
            base, with_contract = statistics.median(times["plain"]), statistics.median(times["checked"])
            print(f"   {label:<10} {base:12.3f} {with_contract:10.3f} {with_contract - base:+8.3f}   "
                  f"{pandera_ms:16.3f}")
        log.close()


def serving_http(count: int) -> None:
    from jupyter_mlops.core.models import deploy, serving

    with bench_model(aliases=["a"]) as (root, uri, X):
        contracts.save(root, contracts.infer(X, "bench"))
        servers = []
        try:
            servers.append(deploy.deploy("bench@a", tracking_uri=uri, contract="log:bench", contract_dir=root))
            servers.append(deploy.deploy("bench/1", tracking_uri=uri, contract="off"))
            endpoints = {"contract": servers[0].endpoint, "no contract": servers[1].endpoint}
            times = time_pairs(endpoints, X, count)
            server_side = {label: _mean_latency_ms(endpoint) for label, endpoint in endpoints.items()}
        finally:
            for server in servers:
                serving.stop(server.pid, server.port)
    print(f"   over HTTP, {count} single-row requests to each server, alternating (client-side ms):")
    difference, paired = print_pairs(times)
    print(f"   the contract adds {difference:+.3f} ms at p50 (median of paired differences {paired:+.3f} ms)")
    print(f"   server side (our layer's own timing, /metrics): {server_side['contract']:.3f} ms a request with the "
          f"contract, {server_side['no contract']:.3f} ms without "
          f"({server_side['contract'] - server_side['no contract']:+.3f} ms)")


def _mean_latency_ms(endpoint: str) -> float:
    import requests
    from prometheus_client.parser import text_string_to_metric_families

    found = {s.name: s.value for family in text_string_to_metric_families(requests.get(f"{endpoint}/metrics").text)
             for s in family.samples if s.labels.get("handler") == "/invocations"
             and s.name.startswith("http_request_duration_seconds_")}
    return 1000 * found["http_request_duration_seconds_sum"] / found["http_request_duration_seconds_count"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only-serving", action="store_true", help="Only part 4 (the per-request cost).")
    parser.add_argument("--requests", type=int, default=1000, help="Requests to each server over HTTP (0: none).")
    parser.add_argument("--only-speed", action="store_true", help="Only part 1 (with GX if asked for).")
    parser.add_argument("--gx-python", default=os.environ.get("GX_PYTHON"),
                        help="Interpreter of a virtualenv with great_expectations and pyarrow (issue #14).")
    parser.add_argument("--gx-rows", type=int, default=None, help="Compare with GX on the first N rows.")
    parser.add_argument("--gx-timeout", type=float, default=240.0)
    args = parser.parse_args()
    if not args.only_serving:
        frame = speed(args.rows, args.repeat)
        if args.gx_python:
            great_expectations(args.gx_python, frame, args.gx_rows or args.rows, args.repeat, args.gx_timeout)
        del frame
        if args.only_speed:
            return
        quality(args.resamples)
    serving()
    if args.requests:
        serving_http(args.requests)


if __name__ == "__main__":
    main()
