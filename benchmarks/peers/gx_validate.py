"""Peer for benchmarks/contracts.py: time Great Expectations validating the same frame.

Runs in Great Expectations' own virtualenv:

    <venv>/bin/python benchmarks/peers/gx_validate.py FRAME.parquet [--repeat 3]

Builds, from the frame itself, the expectations that match our inferred contract's
checks: the ordered column list, each column's dtype, not-null for columns without
nulls, the seen range for numbers, the seen set for text and categorical columns, and
uniqueness of the key column ``customer_id``. (Our contract's binomial quantile checks
have no cheap GX equivalent and are left out, so GX does less work than ours.)
Times ``batch.validate(suite)`` (a first call, then the median of ``repeat``), and
prints one JSON line: {"first": s, "median": s, "expectations": n, "success": bool, "version": v}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import pandas as pd


def expectations(frame: pd.DataFrame) -> list:
    import great_expectations as gx

    found = [gx.expectations.ExpectTableColumnsToMatchOrderedList(column_list=list(frame.columns))]
    for name in frame.columns:
        series = frame[name]
        # GX names a pandas categorical's type by its scalar type, CategoricalDtypeType.
        kind = "CategoricalDtypeType" if isinstance(series.dtype, pd.CategoricalDtype) else str(series.dtype)
        found.append(gx.expectations.ExpectColumnValuesToBeOfType(column=name, type_=kind))
        if not series.isna().any():
            found.append(gx.expectations.ExpectColumnValuesToNotBeNull(column=name))
        if series.dtype.kind in "if":
            found.append(gx.expectations.ExpectColumnValuesToBeBetween(
                column=name, min_value=float(series.min()), max_value=float(series.max())))
        else:
            values = (list(series.cat.categories) if isinstance(series.dtype, pd.CategoricalDtype)
                      else sorted(series.dropna().unique()))
            found.append(gx.expectations.ExpectColumnValuesToBeInSet(column=name, value_set=values))
    found.append(gx.expectations.ExpectColumnValuesToBeUnique(column="customer_id"))
    return found


def main() -> None:
    import great_expectations as gx

    parser = argparse.ArgumentParser()
    parser.add_argument("frame")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = pd.read_parquet(args.frame)
    context = gx.get_context(mode="ephemeral")
    batch = (context.data_sources.add_pandas("bench").add_dataframe_asset("wide")
             .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame}))
    suite = context.suites.add(gx.ExpectationSuite(name="wide", expectations=expectations(frame)))
    started = time.perf_counter()
    result = batch.validate(suite)
    first = time.perf_counter() - started
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        batch.validate(suite)
        times.append(time.perf_counter() - started)
    failed = [f"{r.expectation_config.type}({r.expectation_config.kwargs.get('column', '')})"
              for r in result.results if not r.success]
    print(json.dumps({"first": first, "median": statistics.median(times), "expectations": len(suite.expectations),
                      "success": bool(result.success), "failed": failed, "version": gx.__version__}))


if __name__ == "__main__":
    main()
