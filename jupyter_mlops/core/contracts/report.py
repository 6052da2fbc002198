"""The result of validating a frame against a contract: every failing check, with
example values and example rows, in forms for people (``summary``), for JSON
(``as_dict``), for MLflow (``metrics``, ``as_tag``) and for HTTP (``as_dict`` again)."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

# The checks a violation can name (stable words a client can branch on).
CHECKS = ("not_a_frame", "duplicate_column", "missing_column", "unexpected_column", "column_order", "dtype",
          "not_null", "unique", "range", "categories", "quantiles", "check_error")


@dataclass
class Violation:
    check: str  # one of CHECKS
    column: str | None
    message: str  # one line, for people
    count: int = 0  # failing values (or rows) where that makes sense
    examples: list = field(default_factory=list)  # failing values
    rows: list[dict] = field(default_factory=list)  # example rows: {"index": label, **values}

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    contract: str
    rows: int
    columns: int
    checks: int  # how many checks were made
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0
    path: str | None = None  # the contract file

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def status(self) -> str:
        return "passed" if self.ok else "failed"

    def failed_values(self) -> int:
        return sum(v.count for v in self.violations)

    def as_dict(self) -> dict:
        return {"contract": self.contract, "status": self.status, "rows": self.rows, "columns": self.columns,
                "checks": self.checks, "seconds": round(self.seconds, 4), "path": self.path,
                "violations": [v.as_dict() for v in self.violations]}

    def summary(self, limit: int = 20) -> str:
        """A few lines for under a cell or in an error message."""
        head = (f"contract {self.contract!r}: {self.status} ({self.checks} checks on {self.rows} rows x "
                f"{self.columns} columns")
        if self.ok:
            return head + ")"
        lines = [head + f"; {len(self.violations)} failed)"]
        for violation in self.violations[:limit]:
            line = f"  - [{violation.check}] {violation.message}"
            if violation.rows:
                line += f"\n      e.g. row {_short(violation.rows[0])}"
            lines.append(line)
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)

    def metrics(self, prefix: str | None = None) -> dict[str, float]:
        prefix = prefix or f"contract.{self.contract}"
        return {f"{prefix}.violations": float(len(self.violations)),
                f"{prefix}.failed_values": float(self.failed_values())}

    def as_tag(self, limit: int, **extra) -> str:
        """JSON for one MLflow tag of at most ``limit`` characters: examples go first,
        then violations beyond the first few, so the tag always parses."""
        body = {"status": self.status, **extra, "checks": self.checks, "rows": self.rows,
                "violations": [v.as_dict() for v in self.violations]}
        text = json.dumps(body, default=str)
        if len(text) <= limit:
            return text
        for item in body["violations"]:
            item["rows"] = item["rows"][:1]
            item["examples"] = item["examples"][:3]
        keep = len(body["violations"])
        while keep >= 0:
            body["violations"] = body["violations"][:keep]
            body["more"] = len(self.violations) - keep
            text = json.dumps(body, default=str)
            if len(text) <= limit:
                return text
            keep = keep - 1 if keep < 10 else keep // 2
        return json.dumps({"status": self.status, "violations": len(self.violations)})


def plain(value: Any) -> Any:
    """A JSON-safe scalar: numpy scalars as Python, NaN and NaT as None, times as ISO."""
    if value is None:
        return None
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        value = item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)):
        return value
    text = str(value)
    return None if text in ("NaT", "<NA>", "nan") else text


def _short(row: dict, width: int = 160) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in row.items())
    return text if len(text) <= width else text[: width - 3] + "..."
