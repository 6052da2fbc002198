"""A quick yes for small batches: ``surely_passes(frame, contract)``.

``validate`` runs pandera, which costs about 10 ms per call whatever the batch size (a
scoring server's request is often one row).  This answers "does the batch pass?" with
plain pandas/numpy reductions in tens of microseconds, and is never more lenient than
``validate``: when it says True, ``validate`` finds no violation; when it says False (or
cannot tell), the caller runs ``validate`` for the report.  Quantile checks use
``validate``'s own binomial test.
"""

from __future__ import annotations

from .model import ColumnRule, Contract
from .validate import _bound, _counts, _p_values


def surely_passes(frame, contract: Contract) -> bool:
    """True only when ``validate(frame, contract)`` would report no violation."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame) or frame.columns.has_duplicates:
        return False
    columns = [str(c) for c in frame.columns]
    wanted = [rule.name for rule in contract.columns]
    if contract.strict or contract.ordered:
        if columns != wanted:  # extra, missing or reordered columns: let validate say which
            return False
    elif not set(wanted) <= set(columns):
        return False
    threshold = contract.alpha / max(1, contract.quantile_checks)
    try:
        return all(_column_passes(frame[rule.name], rule, contract.min_rows, threshold) for rule in contract.columns)
    except (TypeError, ValueError):  # values that do not compare with the bounds: validate reports them
        return False


def _column_passes(series, rule: ColumnRule, min_rows: int, threshold: float) -> bool:
    if str(series.dtype) != rule.dtype:
        return False
    nulls = series.isna()
    if not rule.nullable and nulls.any():
        return False
    if rule.unique and series.duplicated().any():
        return False
    values = series[~nulls] if nulls.any() else series
    if not len(values):
        return True
    low, high = _bound(rule, rule.min), _bound(rule, rule.max)
    if low is not None and not bool(values.min() >= low):
        return False
    if high is not None and not bool(values.max() <= high):
        return False
    if rule.categories is not None and not bool(values.isin(rule.categories).all()):
        return False
    if rule.quantiles:
        import numpy as np

        points = np.array([p for p, _ in rule.quantiles])
        shares = np.array([s for _, s in rule.quantiles])
        k, m = _counts(series, points)
        if m >= min_rows and not bool((_p_values(k, m, shares) >= threshold).all()):
            return False
    return True
