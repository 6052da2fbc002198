"""What a data contract says, as types: one rule per column and a few frame-wide rules.

A contract is plain data (see ``files.py`` for its YAML form).  Each field of a
:class:`ColumnRule` is one check; ``None`` (or ``False``) means "not checked", so a
person can drop a check by deleting its line in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# A contract name is a file name stem and part of metric and tag keys: keep it simple.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")

DEFAULT_ALPHA = 0.001  # chance that clean data from the same distribution fails any quantile check
DEFAULT_MIN_ROWS = 30  # quantile checks need at least this many values to say anything


@dataclass
class ColumnRule:
    name: str
    dtype: str  # str(series.dtype) as pandas spells it: "float64", "int64", "str", "category", ...
    nullable: bool = False
    unique: bool = False  # a key column: no value twice
    min: Any = None  # numbers, or ISO text for datetimes
    max: Any = None
    categories: list | None = None  # the only values allowed
    # Quantile checks: (point, share) pairs, the share of the reference data's non-null
    # values that were <= point.  A batch's share is tested against it (binomial test).
    quantiles: list[tuple[float, float]] = field(default_factory=list)
    line: int | None = field(default=None, compare=False)  # where it is in the file (1-based)

    def checks(self) -> list[str]:
        """The names of the checks this rule makes (as reports name them)."""
        names = ["dtype"]
        if not self.nullable:
            names.append("not_null")
        if self.unique:
            names.append("unique")
        if self.min is not None or self.max is not None:
            names.append("range")
        if self.categories is not None:
            names.append("categories")
        names.extend("quantile" for _ in self.quantiles)
        return names


@dataclass
class Contract:
    name: str
    columns: list[ColumnRule]
    ordered: bool = True  # the columns come in the order listed
    strict: bool = True  # columns not listed are violations
    alpha: float = DEFAULT_ALPHA
    min_rows: int = DEFAULT_MIN_ROWS
    source: dict = field(default_factory=dict)  # {"variable", "digest", "rows", "inferred_at"}
    path: str | None = field(default=None, compare=False)  # the file it was read from
    _compiled: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def column(self, name: str) -> ColumnRule | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def quantile_checks(self) -> int:
        return sum(len(c.quantiles) for c in self.columns)

    def where(self) -> str:
        return self.path or f"contract {self.name!r}"
