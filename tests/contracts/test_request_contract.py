"""A deployment's per-request contract check: the quick paths (Python values for small JSON
requests, contracts.fast for bigger ones) agree with pandera's validate on every request,
faulty or clean; JSON's missing dtypes and column order are not violations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jupyter_mlops.core import contracts
from jupyter_mlops.core.contracts.fast import surely_passes
from jupyter_mlops.core.monitoring.contract_check import RequestContract


@pytest.fixture(scope="module")
def reference():
    rng = np.random.default_rng(3)
    n = 2000
    frame = pd.DataFrame({"age": rng.integers(18, 90, n), "income": rng.normal(50, 10, n),
                          "score": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
                          "plan": rng.choice(["basic", "pro", "team"], n), "active": rng.random(n) < 0.5})
    return frame, contracts.infer(frame, "customers")


def faulty(frame: pd.DataFrame, fault: str, rng) -> list[dict]:
    rows = frame.to_dict(orient="records")
    row = rows[int(rng.integers(len(rows)))]
    if fault == "range":
        row["income"] = 1e6
    elif fault == "category":
        row["plan"] = "enterprise"
    elif fault == "null":
        row["age"] = None
    elif fault == "dtype":
        row["income"] = "fifty"
    elif fault == "bool":
        row["active"] = 1
    elif fault == "missing":
        for r in rows:
            r.pop("plan")
    elif fault == "extra":
        for r in rows:
            r["zip"] = "00000"
    elif fault == "shift":
        for r in rows:
            r["income"] = r["income"] + 15
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in rows]


@pytest.mark.slow
@pytest.mark.parametrize("size", [1, 5, 40])
def test_quick_paths_agree_with_validate(reference, size):
    frame, contract = reference
    checker = RequestContract(contract, "reject")
    rng = np.random.default_rng(size)
    for trial in range(6):
        for fault in ("none", "range", "category", "null", "dtype", "bool", "missing", "extra", "shift"):
            rows = faulty(frame.sample(size, random_state=trial), fault, rng)
            for body in ({"dataframe_records": rows},
                         {"dataframe_split": {"columns": list(rows[0]), "data": [list(r.values()) for r in rows]}}):
                raw = json.dumps(body).encode()
                report = checker.check(raw, "application/json")
                full = contracts.validate(checker.frame(raw, "application/json"), contract)
                assert report.ok == full.ok, (fault, size, full.summary())
                if fault in ("range", "category", "null", "dtype", "missing", "extra"):
                    assert not report.ok, (fault, size)
                if fault == "none":
                    assert report.ok, report.summary()


def test_json_types_and_key_order_are_not_violations(reference):
    frame, contract = reference
    checker = RequestContract(contract, "log")
    row = {"active": True, "plan": "pro", "score": None, "income": 50, "age": 30.0}  # ints as floats and back
    report = checker.check(json.dumps({"dataframe_records": [row]}).encode(), "application/json")
    assert report.ok and report.checks > 0
    converted = checker.frame(json.dumps({"dataframe_records": [row] * 40}).encode(), "application/json")
    assert list(converted.columns) == ["age", "income", "score", "plan", "active"]
    assert [str(t) for t in converted.dtypes] == [rule.dtype for rule in contract.columns]
    csv = "age,income,score,plan,active\n30,55.5,,pro,True\n"
    assert checker.check(csv.encode(), "text/csv").ok
    assert checker.check(b"{not json", "application/json") is None


def test_fast_check_is_never_more_lenient(reference):
    frame, contract = reference
    rng = np.random.default_rng(0)
    for _ in range(10):
        batch = frame.sample(200, random_state=int(rng.integers(1 << 30))).copy()
        if rng.random() < 0.5:
            batch.loc[batch.index[0], "income"] = 1e6
        if rng.random() < 0.3:
            batch["income"] = batch["income"] * 1.3
        if surely_passes(batch, contract):
            assert contracts.validate(batch, contract).ok
