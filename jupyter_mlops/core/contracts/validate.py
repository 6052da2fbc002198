"""``validate(frame, contract) -> Report``: the one way data is checked against a contract,
by ``%%track --expect``, ``%register --require contract:NAME``, serving and pipelines.

The contract compiles once into a pandera ``DataFrameSchema`` (kept on the contract,
one per set of columns whose dtype is wrong): presence, order and extra columns,
nullability, uniqueness, ranges and category sets are pandera's own vectorised checks.
Dtypes are compared here first, exactly as pandas names them, and a column of the wrong
dtype gets no range, category or quantile checks (they would only repeat the dtype
violation as errors); nulls and uniqueness are still checked.

Quantile checks are binomial tests: for a point whose share in the reference data was
``p``, a batch of ``m`` values with ``k`` at or below it fails when the two-sided
binomial p-value of ``k`` is below ``alpha / K`` (``K`` = all quantile checks of the
contract, a Bonferroni split), so clean data of the same distribution fails the whole
contract with probability at most ``alpha``, at any batch size.  Batches of fewer than
``min_rows`` values skip them.
"""

from __future__ import annotations

import time
from statistics import NormalDist

import numpy as np

from ..errors import InvalidInput
from .model import ColumnRule, Contract
from .report import Report, Violation, plain

EXAMPLES = 5


def validate(frame, contract: Contract, *, examples: int = EXAMPLES) -> Report:
    """Check ``frame`` (a pandas DataFrame, or a Series as a one-column frame) against
    ``contract``.  Never raises for bad data: every problem is a :class:`Violation` in
    the report.  Raises :class:`InvalidInput` only when ``frame`` is not tabular."""
    import pandas as pd

    started = time.perf_counter()
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInput(f"Contract {contract.name!r} validates a pandas DataFrame, not {type(frame).__name__}.")
    if any(not isinstance(c, str) for c in frame.columns):
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    violations: list[Violation] = []
    if frame.columns.has_duplicates:
        twice = sorted(set(frame.columns[frame.columns.duplicated()]))
        violations.append(Violation("duplicate_column", None, f"columns named twice: {', '.join(twice)}",
                                    count=len(twice), examples=twice))
        frame = frame.loc[:, ~frame.columns.duplicated()]
    present = set(frame.columns)
    wrong = {}
    for rule in contract.columns:
        if rule.name in present and str(frame[rule.name].dtype) != rule.dtype:
            wrong[rule.name] = str(frame[rule.name].dtype)
    compiled = _compiled(contract, frozenset(wrong))
    for name, found in wrong.items():
        sample = [plain(v) for v in frame[name].dropna().head(3).tolist()]
        violations.append(Violation("dtype", name, f"column {name!r} is {found}, the contract says "
                                    f"{contract.column(name).dtype}", examples=sample))  # type: ignore[union-attr]
    from pandera.errors import SchemaErrors

    try:
        compiled.schema.validate(frame, lazy=True, inplace=True)
    except SchemaErrors as exc:
        violations.extend(_violations(exc.failure_cases, frame, contract, compiled, examples))
    order = {name: i for i, name in enumerate(c.name for c in contract.columns)}
    violations.sort(key=lambda v: (order.get(v.column or "", -1), v.check))
    return Report(contract=contract.name, rows=len(frame), columns=frame.shape[1], checks=compiled.checks,
                  violations=violations, seconds=time.perf_counter() - started, path=contract.path)


class _Compiled:
    def __init__(self, schema, kinds: dict[str, list[str]], checks: int, threshold: float) -> None:
        self.schema, self.kinds, self.checks, self.threshold = schema, kinds, checks, threshold


def _compiled(contract: Contract, wrong: frozenset) -> _Compiled:
    cached = contract._compiled.get(wrong)
    if cached is None:
        cached = contract._compiled[wrong] = _compile(contract, wrong)
    return cached


def _compile(contract: Contract, wrong: frozenset) -> _Compiled:
    import pandera.pandas as pa

    threshold = contract.alpha / max(1, contract.quantile_checks)
    columns: dict = {}
    kinds: dict[str, list[str]] = {}
    count = 3  # presence, order, extra columns
    for rule in contract.columns:
        count += len(rule.checks())
        if rule.name in wrong:
            columns[rule.name] = pa.Column(nullable=rule.nullable, unique=rule.unique)
            continue
        checks: list = []
        kinds[rule.name] = []
        for kind, check in _checks(rule, contract.min_rows, threshold):
            checks.append(check)
            kinds[rule.name].append(kind)
        columns[rule.name] = pa.Column(checks=checks, nullable=rule.nullable, unique=rule.unique)
    schema = pa.DataFrameSchema(columns, strict=contract.strict, ordered=contract.ordered, name=contract.name)
    return _Compiled(schema, kinds, count, threshold)


def _checks(rule: ColumnRule, min_rows: int, threshold: float):
    import pandera.pandas as pa

    low, high = _bound(rule, rule.min), _bound(rule, rule.max)
    if low is not None and high is not None:
        yield "range", pa.Check.in_range(low, high)
    elif low is not None:
        yield "range", pa.Check.greater_than_or_equal_to(low)
    elif high is not None:
        yield "range", pa.Check.less_than_or_equal_to(high)
    if rule.categories is not None:
        yield "categories", pa.Check.isin(rule.categories)
    if rule.quantiles:
        points = np.array([p for p, _ in rule.quantiles])
        shares = np.array([s for _, s in rule.quantiles])

        def quantiles_hold(series) -> bool:
            k, m = _counts(series, points)
            return m < min_rows or bool((_p_values(k, m, shares) >= threshold).all())

        yield "quantiles", pa.Check(quantiles_hold, name="quantiles", ignore_na=False)


def _bound(rule: ColumnRule, value):
    if isinstance(value, str):
        import pandas as pd

        return pd.Timestamp(value)
    return value


def _counts(series, points: np.ndarray) -> tuple[np.ndarray, int]:
    """How many non-null values are <= each point, and how many non-null values there are."""
    values = series.to_numpy()
    if values.dtype.kind not in "iuf":
        values = values.astype(float)
    m = len(values) - (int(np.isnan(values).sum()) if values.dtype.kind == "f" else 0)
    return np.array([np.count_nonzero(values <= p) for p in points]), m


def _p_values(k: np.ndarray, m: int, shares: np.ndarray) -> np.ndarray:
    """Two-sided binomial p-values of ``k`` successes in ``m`` trials at rates ``shares``."""
    from scipy.special import bdtr, bdtrc

    below = bdtr(k, m, shares)  # P(X <= k)
    above = np.where(k > 0, bdtrc(k - 1, m, shares), 1.0)  # P(X >= k)
    return np.minimum(1.0, 2 * np.minimum(below, above))


def _violations(cases, frame, contract: Contract, compiled: _Compiled, examples: int) -> list[Violation]:
    found: list[Violation] = []
    frame_level = cases[cases["column"].isna() | (cases["schema_context"] == "DataFrameSchema")]
    for check, group in frame_level.groupby("check", sort=False):
        names = [str(v) for v in group["failure_case"].tolist()]
        if check == "column_in_dataframe":
            for name in names:
                found.append(Violation("missing_column", name, f"column {name!r} is missing from the data"))
        elif check == "column_in_schema":
            for name in names:
                found.append(Violation("unexpected_column", name, f"column {name!r} is not in the contract "
                                       "(the contract is strict)"))
        elif check == "column_ordered":
            listed = [c.name for c in contract.columns if c.name in set(frame.columns)]
            seen = [c for c in frame.columns if c in set(listed)]
            found.append(Violation("column_order", None, f"columns are in the order {seen[:12]}, the contract "
                                   f"says {listed[:12]}", count=len(names), examples=names[:examples]))
        else:
            found.append(Violation("check_error", None, f"{check}: {names[:examples]}"))
    for (column, check), group in cases.drop(frame_level.index).groupby(["column", "check"], sort=False):
        found.append(_column_violation(str(column), str(check), group, frame, contract, compiled, examples))
    return found


def _column_violation(column, check, group, frame, contract, compiled, examples) -> Violation:
    rule = contract.column(column)
    values = group["failure_case"]
    indexes = [i for i in group["index"].tolist() if i is not None and i == i][:examples]
    rows = _rows(frame, indexes)
    if check == "not_nullable":
        return Violation("not_null", column, f"column {column!r} has {len(group)} missing values",
                         count=len(group), rows=rows)
    if check == "field_uniqueness":
        dup = [plain(v) for v in dict.fromkeys(values.tolist())][:examples]
        return Violation("unique", column, f"column {column!r} is a key, but {len(group)} rows share a value "
                         f"(e.g. {dup[:3]})", count=len(group), examples=dup, rows=rows)
    number = group["check_number"].iloc[0]
    kinds = compiled.kinds.get(column, [])
    kind = kinds[int(number)] if number == number and number is not None and int(number) < len(kinds) else None
    if len(group) == 1 and isinstance(values.iloc[0], str) and values.iloc[0].endswith(")") \
            and "Error(" in values.iloc[0]:
        return Violation("check_error", column, f"column {column!r}: {check} could not run: {values.iloc[0]}")
    sample = [plain(v) for v in dict.fromkeys(values.tolist())][:examples]
    if kind == "range":
        return Violation("range", column, f"column {column!r} has {len(group)} values outside "
                         f"[{rule.min}, {rule.max}], e.g. {sample[:3]}", count=len(group), examples=sample, rows=rows)
    if kind == "categories":
        return Violation("categories", column, f"column {column!r} has {len(group)} values outside its "
                         f"{len(rule.categories or [])} categories, e.g. {sample[:3]}",
                         count=len(group), examples=sample, rows=rows)
    if kind == "quantiles":
        return _quantile_violation(frame[column], rule, compiled.threshold)
    return Violation("check_error", column, f"column {column!r}: {check} failed on {sample[:3]}",
                     count=len(group), examples=sample, rows=rows)


def _quantile_violation(series, rule: ColumnRule, threshold: float) -> Violation:
    points = np.array([p for p, _ in rule.quantiles])
    shares = np.array([s for _, s in rule.quantiles])
    k, m = _counts(series, points)
    p_values = _p_values(k, m, shares)
    z = NormalDist().inv_cdf(1 - threshold / 2)
    parts, failing = [], []
    for point, share, got, p_value in zip(points, shares, k / max(m, 1), p_values, strict=True):
        if p_value < threshold:
            spread = z * (share * (1 - share) / max(m, 1)) ** 0.5
            parts.append(f"share <= {point:g} is {got:.3f}, expected {share:.3f} +/- {spread:.3f}")
            failing.append(float(point))
    return Violation("quantiles", rule.name, f"column {rule.name!r} is distributed differently: "
                     + "; ".join(parts), count=len(failing), examples=failing)


def _rows(frame, indexes: list) -> list[dict]:
    if not indexes:
        return []
    try:
        picked = frame.loc[frame.index.isin(indexes)].head(len(indexes))
    except (TypeError, ValueError):
        return []
    rows = []
    for label, record in zip(picked.index, picked.to_dict("records"), strict=True):
        rows.append({"index": plain(label), **{str(k): plain(v) for k, v in list(record.items())[:30]}})
    return rows
