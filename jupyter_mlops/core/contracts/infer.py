"""Infer a contract from a DataFrame: what the data is, written down as checks.

Every check is chosen so that a clean re-sample of the same data passes: types,
nullability, ranges and category sets hold for any subset of the rows, and the quantile
checks are statistical tests whose false-failure rate is bounded by ``alpha``
(see ``validate.py``).  Key columns (all values distinct, and text or an id-like name)
are marked unique.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np

from ..errors import InvalidInput
from .files import check_name
from .model import DEFAULT_ALPHA, DEFAULT_MIN_ROWS, ColumnRule, Contract

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
MAX_CATEGORIES = 50  # text columns with more distinct values are free text (or keys)
_KEY_NAME = re.compile(r"(^|[_\W])(id|key|uuid|guid)$|^id[_\W]", re.IGNORECASE)


def infer(frame, name: str, *, variable: str | None = None, digest: str | None = None,
          alpha: float = DEFAULT_ALPHA, min_rows: int = DEFAULT_MIN_ROWS,
          max_categories: int = MAX_CATEGORIES) -> Contract:
    """A contract describing ``frame`` (a pandas DataFrame)."""
    import pandas as pd

    check_name(name)
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInput(f"A contract is inferred from a pandas DataFrame, not {type(frame).__name__}.")
    if frame.columns.has_duplicates:
        twice = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise InvalidInput(f"The frame has columns named twice ({', '.join(twice)}); rename them first.")
    if len(frame) == 0:
        raise InvalidInput("The frame has no rows: there is nothing to infer a contract from.")
    rules = [_column(str(label), frame[label], min_rows, max_categories) for label in frame.columns]
    source: dict[str, Any] = {}
    if variable:
        source["variable"] = variable
    if digest:
        source["digest"] = digest
    source["rows"] = len(frame)
    source["inferred_at"] = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    return Contract(name=name, columns=rules, alpha=alpha, min_rows=min_rows, source=source)


def _column(name: str, series, min_rows: int, max_categories: int) -> ColumnRule:
    import pandas as pd
    from pandas.api import types

    dtype = series.dtype
    rule = ColumnRule(name=name, dtype=str(dtype), nullable=bool(series.isna().any()))
    values = series.dropna()
    if values.empty:
        return rule
    if isinstance(dtype, pd.CategoricalDtype):
        rule.categories = _sorted(values.unique().tolist())
    elif types.is_bool_dtype(dtype):
        pass
    elif types.is_numeric_dtype(dtype) and not types.is_complex_dtype(dtype):
        array = values.to_numpy()
        rule.min, rule.max = _plain(array.min()), _plain(array.max())
        rule.unique = types.is_integer_dtype(dtype) and bool(_KEY_NAME.search(name)) and values.is_unique
        if not rule.unique and len(array) >= min_rows:
            rule.quantiles = _quantiles(array.astype(float, copy=False))
    elif types.is_datetime64_any_dtype(dtype):
        rule.min, rule.max = values.min().isoformat(), values.max().isoformat()
    elif types.is_string_dtype(dtype) or types.is_object_dtype(dtype):
        distinct = values.nunique()
        if distinct == len(values) and len(values) > 1 and (len(values) > max_categories or _KEY_NAME.search(name)):
            rule.unique = True
        elif distinct <= max_categories:
            rule.categories = _sorted([_plain(v) for v in values.unique().tolist()])
    return rule


def _quantiles(array: np.ndarray) -> list[tuple[float, float]]:
    """Points at the reference quantiles, each with the exact share of values <= it.
    Points whose share is 0 or 1 test nothing (the range covers them) and are left out."""
    ordered = np.sort(array)
    n = len(ordered)
    pairs: list[tuple[float, float]] = []
    for q in QUANTILES:
        point = float(ordered[min(n - 1, int(q * (n - 1)))])
        share = float(np.searchsorted(ordered, point, side="right")) / n
        if 0 < share < 1 and all(point != p for p, _ in pairs):
            pairs.append((point, round(share, 6)))
    return pairs


def _plain(value):
    """numpy scalars as Python values (YAML writes those plainly)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _sorted(values: list) -> list:
    values = [_plain(v) for v in values]
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)
