"""A deployment's data contract, checked on each request's input rows.

``RequestContract(contract, mode).check(body, content_type)`` parses the body as MLflow's
``/invocations`` does (``records.py`` formats) into a frame of the request's rows only, and
returns a contracts ``Report`` (None when the body is not one of MLflow's formats: MLflow
answers that with its own 400).

A JSON request does not carry pandas dtypes, so each column is first converted to the
contract's dtype where that loses nothing (integers to float64, text to category,
ISO text to datetimes, integral floats to int64); what cannot be converted is left as it is
and reported as a dtype violation.  JSON objects have no column order, so known columns
are put in the contract's order (missing and extra columns are still violations).  Most
requests pass: a JSON request of up to ``QUICK_ROWS`` rows is checked on its Python values
(``_quick``, quantile checks included) in microseconds, a bigger one with
``contracts.fast``'s vectorised reductions; both are never more lenient than ``validate``
(pandera, ~10 ms a call), which runs only for a batch that may fail, to build its report.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass

from ..contracts import Contract, Report, validate
from ..contracts.fast import surely_passes
from .records import parse_inputs

MAX_LOGGED_VIOLATIONS = 20
QUICK_ROWS = 500  # above this, pandas' vectorised checks are cheaper than a look at each value


@dataclass
class Pending:
    """The quick look could not settle it: the parsed JSON body (None for CSV)."""

    parsed: object


class RequestContract:
    def __init__(self, contract: Contract, mode: str):
        self.contract = contract
        self.mode = mode  # "reject" or "log"
        self._dtypes = {rule.name: rule.dtype for rule in contract.columns}
        self._order = [rule.name for rule in contract.columns]
        self._checks = 3 + sum(len(rule.checks()) for rule in contract.columns)
        threshold = contract.alpha / max(1, contract.quantile_checks)
        self._quick_rules = {rule.name: _quick_rule(rule, contract.min_rows, threshold) for rule in contract.columns}
        self._lock = threading.Lock()
        self._warm()

    def _warm(self) -> None:
        """Compile the pandera schema now, not on the first failing request."""
        import pandas as pd

        try:
            empty = pd.DataFrame({rule.name: pd.Series([], dtype=rule.dtype) for rule in self.contract.columns})
        except (TypeError, ValueError):  # a dtype pandas cannot make empty: compiled on first use
            return
        validate(empty, self.contract)

    def check(self, body: bytes, content_type: str) -> Report | None:
        """The request's report (None: not an MLflow request body)."""
        found = self.quick(body, content_type)
        return self.full(body, content_type, found.parsed) if isinstance(found, Pending) else found

    def quick(self, body: bytes, content_type: str) -> Report | None | Pending:
        """The report when a look at the JSON values settles it (microseconds), else
        ``Pending``: ``full`` (pandas, and pandera for a violation) decides."""
        if "csv" in content_type:
            return Pending(None)
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return None
        rows = self._quick(parsed)
        return self._passed(rows, len(self._order)) if rows is not None else Pending(parsed)

    def full(self, body: bytes, content_type: str, parsed=None) -> Report | None:
        frame = self.frame(body, content_type, parsed)
        if frame is None:
            return None
        if surely_passes(frame, self.contract):
            return self._passed(len(frame), frame.shape[1])
        with self._lock:  # one full validation at a time (it runs in a worker thread)
            return validate(frame, self.contract)

    def _passed(self, rows: int, columns: int) -> Report:
        return Report(self.contract.name, rows, columns, self._checks, [], path=self.contract.path)

    def frame(self, body: bytes, content_type: str, parsed=None):
        """The request's rows as a frame in the contract's dtypes and order; None when the
        body is not an MLflow request."""
        try:
            if "csv" in content_type:
                raw = parse_inputs(body.decode("utf-8"), "csv")
            else:
                raw = _json_frame(json.loads(body) if parsed is None else parsed, self._order)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, UnicodeDecodeError):
            return None
        return self._conformed(raw)

    def _quick(self, body) -> int | None:
        """The number of rows when a small JSON request surely passes (checked on its
        Python values); None when it may not, or is not small, or not in a plain format."""
        if not isinstance(body, dict):
            return None
        split, records = body.get("dataframe_split"), body.get("dataframe_records")
        if isinstance(split, dict) and isinstance(split.get("columns"), list) and isinstance(split.get("data"), list):
            names, data = split["columns"], split["data"]
            if len(data) > QUICK_ROWS or len(names) != len(self._order) \
                    or set(names) != set(self._order) or any(not isinstance(r, list) or len(r) != len(names)
                                                              for r in data):
                return None
            columns = {name: [row[i] for row in data] for i, name in enumerate(names)}
        elif isinstance(records, list):
            if len(records) > QUICK_ROWS or not records or any(
                    not isinstance(r, dict) or len(r) != len(self._order) for r in records):
                return None
            try:
                columns = {name: [row[name] for row in records] for name in self._order}
            except KeyError:
                return None
        else:
            return None
        for name, values in columns.items():
            rule = self._quick_rules[name]
            if rule is None or not rule(values):
                return None
        return len(next(iter(columns.values()), []))

    def _conformed(self, frame):
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
        if not frame.columns.has_duplicates:
            known = [c for c in self._order if c in frame.columns]
            frame = frame[known + [c for c in frame.columns if c not in self._dtypes]]
        for name in frame.columns.unique():
            wanted = self._dtypes.get(name)
            if wanted is not None and not isinstance(frame[name], type(frame)) and str(frame[name].dtype) != wanted:
                converted = _converted(frame[name], wanted)
                if converted is not None:
                    frame[name] = converted
        return frame


def _quick_rule(rule, min_rows: int, threshold: float):
    """A check of one column's JSON values that is never more lenient than ``validate`` on
    the converted frame, or None for dtypes it does not cover (bigger requests, dates and
    unusual dtypes go the pandas way)."""
    kind = {"float64": float, "float32": float, "int64": int, "int32": int, "bool": bool, "str": str,
            "object": str}.get(rule.dtype)
    if rule.dtype == "category" and rule.categories is not None and all(isinstance(c, str) for c in rule.categories):
        kind = str
    if kind is None or isinstance(rule.min, str) or isinstance(rule.max, str):
        return None
    allowed = set(rule.categories) if rule.categories is not None else None

    def holds(values: list) -> bool:
        present = []
        for value in values:
            if value is None or (isinstance(value, float) and math.isnan(value)):
                if not rule.nullable or kind is int or kind is bool:
                    return False
                continue
            if kind is bool:
                if not isinstance(value, bool):
                    return False
            elif kind is str:
                if not isinstance(value, str):
                    return False
            elif isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or (kind is int and isinstance(value, float) and not value.is_integer()) or math.isinf(value):
                return False
            present.append(value)
        numeric = kind is not str and kind is not bool and present
        if numeric and ((rule.min is not None and min(present) < rule.min)
                        or (rule.max is not None and max(present) > rule.max)):
            return False
        if allowed is not None and any(v not in allowed or isinstance(v, bool) != any(isinstance(c, bool)
                                                                                      for c in allowed)
                                       for v in present):
            return False
        if rule.unique and len(set(present)) != len(values):
            return False
        return not (rule.quantiles and len(present) >= min_rows and not _quantiles_hold(present, points, shares,
                                                                                          threshold))

    import numpy as np

    points = np.array([p for p, _ in rule.quantiles])
    shares = np.array([s for _, s in rule.quantiles])
    return holds


def _quantiles_hold(present: list, points, shares, threshold: float) -> bool:
    """``validate``'s binomial test of each quantile point, on the request's values."""
    import numpy as np

    from ..contracts.validate import _p_values

    values = np.asarray(present, dtype=float)
    counts = (values[:, None] <= points[None, :]).sum(axis=0)
    return bool((_p_values(counts, len(values), shares) >= threshold).all())


def _json_frame(body, order: list[str]):
    import pandas as pd

    if isinstance(body, dict) and isinstance(body.get("dataframe_split"), dict):
        split = body["dataframe_split"]
        return pd.DataFrame(split["data"], columns=split.get("columns"))
    if isinstance(body, dict) and isinstance(body.get("dataframe_records"), list):
        return pd.DataFrame.from_records(body["dataframe_records"])
    return parse_inputs(body, "json", order)


def _converted(series, dtype: str):
    """``series`` as ``dtype`` when nothing is lost, else None."""
    import numpy as np
    import pandas as pd
    from pandas.api import types

    try:
        target = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return None
    source = series.dtype
    try:
        if types.is_numeric_dtype(target) and not types.is_bool_dtype(target):
            if types.is_object_dtype(source) and all(  # numbers with None among them (JSON null)
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in series.dropna()):
                series = series.astype("float64")
                source = series.dtype
            if not types.is_numeric_dtype(source) or types.is_bool_dtype(source):
                return None
            converted = series.astype(target)
            same = np.isclose(converted.to_numpy(dtype=float), series.to_numpy(dtype=float), equal_nan=True,
                              rtol=0, atol=0)
            return converted if bool(same.all()) else None
        if types.is_datetime64_any_dtype(target):
            if not (types.is_string_dtype(source) or types.is_object_dtype(source)):
                return None
            return pd.to_datetime(series, errors="raise").astype(target)
        if isinstance(target, pd.CategoricalDtype) or types.is_string_dtype(target):
            if not (types.is_string_dtype(source) or types.is_object_dtype(source)):
                return None
            if types.is_object_dtype(source) and not all(isinstance(v, str) for v in series.dropna()):
                return None
            return series.astype(target)
    except (TypeError, ValueError, OverflowError):
        return None
    return None


def log_entry(report: Report) -> dict:
    """What the prediction log keeps of a report: the failing checks, with a few examples."""
    return {"contract": report.contract, "status": report.status,
            "violations": [{"check": v.check, "column": v.column, "count": v.count, "examples": v.examples[:3]}
                           for v in report.violations[:MAX_LOGGED_VIOLATIONS]]}
