"""Full-content fingerprints: every value counts (MLflow's digest only sees 10,000 rows)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_mlops.core.tracking.fingerprint import fingerprint


@pytest.fixture
def frame():
    n = 60_000
    return pd.DataFrame({
        "x": np.arange(n, dtype=float), "k": np.arange(n) % 5, "s": [f"id{i}" for i in range(n)],
        "c": pd.Categorical(["a", "b", "c"] * (n // 3)), "t": pd.date_range("2024-01-01", periods=n, freq="min"),
        "n": pd.array([1, None] * (n // 2), dtype="Int64"),
    })


def test_digest_is_128_bits_and_stable(frame):
    first = fingerprint(frame)
    assert len(first.digest) == 32 and int(first.digest, 16) >= 0
    assert fingerprint(frame.copy()).digest == first.digest
    assert first.shape == (60_000, 6) and first.kind == "pandas.DataFrame"


@pytest.mark.parametrize("column, value", [("x", -1.0), ("k", 9), ("s", "zz"), ("c", "a"),
                                           ("t", pd.Timestamp("2000-01-01")), ("n", 7)])
def test_a_change_in_the_last_row_changes_the_digest(frame, column, value):
    changed = frame.copy()
    changed.loc[changed.index[-1], column] = value
    assert fingerprint(changed).digest != fingerprint(frame).digest


def test_mlflow_digest_misses_a_change_at_row_50000_ours_does_not(frame):
    import mlflow.data

    changed = frame.copy()
    changed.loc[50_000, "x"] = 0.5
    assert mlflow.data.from_pandas(changed).digest == mlflow.data.from_pandas(frame).digest
    assert fingerprint(changed).digest != fingerprint(frame).digest


def test_names_dtypes_order_and_index_count(frame):
    base = fingerprint(frame).digest
    assert fingerprint(frame.rename(columns={"x": "y"})).digest != base
    assert fingerprint(frame.astype({"k": "int32"})).digest != base
    assert fingerprint(frame[["k", "x", "s", "c", "t", "n"]]).digest != base
    assert fingerprint(frame.set_index(frame.index + 1)).digest != base


def test_arrays_and_series():
    array = np.arange(12.0).reshape(3, 4)
    assert fingerprint(array).digest == fingerprint(array.copy()).digest
    assert fingerprint(array.T).digest != fingerprint(array).digest  # shape and order count
    assert fingerprint(np.asfortranarray(array)).digest == fingerprint(array).digest  # memory layout does not
    series = pd.Series([1.0, 2.0], name="a")
    assert fingerprint(series).digest != fingerprint(series.rename("b")).digest


def test_objects_without_a_byte_form_give_none():
    assert fingerprint(pd.Series([[1], [2, 3]])) is None
    assert fingerprint({"not": "data"}) is None


def test_describe_never_raises():
    from sklearn.ensemble import RandomForestClassifier

    from jupyter_mlops.core.tracking.fingerprint import describe

    assert describe(RandomForestClassifier())["shape"] is None  # __len__ raises AttributeError
    assert describe([1, 2, 3]) == {"kind": "builtins.list", "shape": [3]}
