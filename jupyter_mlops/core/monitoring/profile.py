"""A compact reference profile of a model's training data, so drift never needs the raw data.

``build_profile(frame, predictions=None, source=None)`` returns a JSON-able dict::

    {"format": 1, "rows": 10000,
     "columns": {"age": {"kind": "numeric", "rows": 9950, "null_rate": 0.005,
                         "quantiles": [...100 values at levels 0.005, 0.015, ... 0.995],
                         "edges": [...distinct quantiles], "cdf": [...share of rows <= each edge],
                         "mean": 41.2, "std": 12.9, "min": 18.0, "max": 90.0},
                 "plan": {"kind": "categorical", "rows": 10000, "null_rate": 0.0,
                          "categories": ["basic", "pro"], "shares": [0.7, 0.25], "other": 0.05}},
     "prediction": {...one column summary, as above} | null,
     "source": {"run_id": "...", "variable": "X", ...} | {}}

A numeric column with few distinct values (<= ``CATEGORICAL_MAX_DISTINCT``: flags, codes,
class labels) is profiled as categorical.  Categories are kept as strings; the most
frequent ``MAX_CATEGORIES`` are listed, the rest are summed in ``other``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FORMAT = 1
QUANTILE_LEVELS = (np.arange(100) + 0.5) / 100  # 0.005 .. 0.995
CATEGORICAL_MAX_DISTINCT = 20
MAX_CATEGORIES = 50
NULL_CATEGORY = "<null>"


def build_profile(frame, predictions=None, source: dict | None = None) -> dict:
    """The profile of ``frame`` (a DataFrame, or anything ``pandas.DataFrame`` accepts) and,
    when given, of the model's ``predictions`` on it.  ValueError for an empty frame."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    if frame.empty or len(frame.columns) == 0:
        raise ValueError("the reference data is empty: give the rows the model was trained on.")
    columns = {str(name): summarize(frame[name]) for name in frame.columns}
    prediction = None
    if predictions is not None:
        values = prediction_column(predictions)
        if len(values):
            prediction = summarize(values)
    return {"format": FORMAT, "rows": int(len(frame)), "columns": columns, "prediction": prediction,
            "source": dict(source or {})}


def prediction_column(predictions):
    """A model's output as one pandas Series: the first column of a 2-d output (a
    probability matrix keeps the first class's score)."""
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        return predictions.iloc[:, 0] if len(predictions.columns) else pd.Series([], dtype=float)
    array = np.asarray(predictions)
    if array.ndim > 1:
        array = array.reshape(len(array), -1)[:, 0]
    return pd.Series(array)


def summarize(values) -> dict[str, Any]:
    """The summary of one column (a pandas Series or 1-d array); see the module docstring."""
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(values)
    total = len(series)
    nulls = int(series.isna().sum())
    valid = series.dropna()
    null_rate = nulls / total if total else 0.0
    if is_numeric(valid) and valid.nunique() > CATEGORICAL_MAX_DISTINCT:
        numbers = np.sort(valid.to_numpy(dtype=float))
        numbers = numbers[np.isfinite(numbers)]
        if len(numbers):
            return _numeric(numbers, null_rate)
    return _categorical(valid, total, null_rate)


def is_numeric(series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series.dtype)) and not pd.api.types.is_bool_dtype(series.dtype)


def _numeric(numbers: np.ndarray, null_rate: float) -> dict[str, Any]:
    quantiles = quantiles_of_sorted(numbers, QUANTILE_LEVELS)
    edges = np.unique(quantiles)
    cdf = np.searchsorted(numbers, edges, side="right") / len(numbers)
    return {"kind": "numeric", "rows": int(len(numbers)), "null_rate": round(null_rate, 6),
            "quantiles": _floats(quantiles), "edges": _floats(edges), "cdf": _floats(cdf),
            "mean": float(numbers.mean()), "std": float(numbers.std()),
            "min": float(numbers[0]), "max": float(numbers[-1])}


def quantiles_of_sorted(numbers: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Quantiles of already sorted values by linear interpolation (numpy's default method),
    without numpy sorting them again."""
    position = levels * (len(numbers) - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, len(numbers) - 1)
    weight = position - low
    return numbers[low] * (1 - weight) + numbers[high] * weight


def _categorical(valid, total: int, null_rate: float) -> dict[str, Any]:
    counts = category_counts(valid)
    rows = int(counts.sum())
    top = counts.iloc[:MAX_CATEGORIES]
    shares = top / rows if rows else top
    other = 1.0 - float(shares.sum()) if rows else 0.0
    return {"kind": "categorical", "rows": rows, "null_rate": round(null_rate, 6),
            "categories": [str(c) for c in top.index], "shares": _floats(shares.to_numpy(dtype=float)),
            "other": round(max(other, 0.0), 9)}


def category_counts(valid):
    """Counts by category as strings (1 and "1" are one category), most frequent first."""
    counts = valid.value_counts(sort=False)
    counts.index = [category_key(c) for c in counts.index]
    return counts.groupby(level=0, sort=False).sum().sort_values(ascending=False, kind="stable")


def category_key(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # 1.0 from a JSON float column and 1 from training agree
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return str(value)


def _floats(values) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=float)]


def profile_columns(profile: dict) -> list[str]:
    return list(profile.get("columns", {}))


def check_profile(profile: Any) -> dict:
    """``profile`` when it looks like one this version wrote; ValueError otherwise."""
    if not isinstance(profile, dict) or profile.get("format") != FORMAT or not isinstance(profile.get("columns"), dict):
        raise ValueError("not a jupyter-mlops reference profile (format 1).")
    return profile
