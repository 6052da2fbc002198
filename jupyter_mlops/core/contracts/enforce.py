"""Hold a pipeline step's data to its contracts: the one check that both the python
runner (pipeline/runner/contracts.py) and a Kubeflow component run.

A kfp component runs where jupyter-mlops is not installed, so it carries this module
and the ones it imports as source (``SOURCES``, written out by the component under a
private package name).  Keep these imports relative and within ``SOURCES``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput
from ..names import EXPECT_TAG, EXPECTS, MAX_TAG_VALUE
from .model import Contract
from .report import Report, Violation
from .validate import validate

# What a component needs to run check(): paths relative to jupyter_mlops/core.
SOURCES = ("errors.py", "names.py", "contracts/model.py", "contracts/report.py", "contracts/files.py",
           "contracts/validate.py", "contracts/enforce.py")


class ContractViolation(ValueError):
    """Data a step read or wrote does not meet its contract."""


@dataclass
class Checked:
    """What a step's check found: the run's tags and metrics (as ``%%track --expect``
    records them) and one message per failing contract."""

    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def raise_if_failed(self) -> None:
        if self.failures:
            raise ContractViolation("\n".join(self.failures))


def check(values: dict[str, Any], marks: dict[str, list[str]], load: Callable[[str], Contract], *,
          step: str, role: str) -> Checked:
    """Validate each value in ``values`` (``role``: "read" or "wrote") against the contracts
    ``marks`` holds its variable to; ``load(name)`` gives a contract.  Never raises for bad
    data; a contract file that does not parse raises its ContractFileError."""
    checked, listed = Checked(), []
    for variable, value in values.items():
        for name in marks.get(variable, []):
            contract = load(name)
            report = _report(value, contract, variable)
            listed.append({"name": name, "variable": variable, "digest": None, "status": report.status})
            checked.tags[EXPECT_TAG.format(name=name)] = report.as_tag(MAX_TAG_VALUE, variable=variable, digest=None,
                                                                       file=contract.path)
            checked.metrics.update(report.metrics())
            if not report.ok:
                checked.failures.append(f"step {step!r} {role} {variable}, which violates "
                                        f"{report.summary(limit=10)}\n  (contract file: {contract.path})")
    if listed:
        checked.tags[EXPECTS] = json.dumps(listed)[:MAX_TAG_VALUE]
    return checked


def _report(value: Any, contract: Contract, variable: str) -> Report:
    try:
        return validate(value, contract)
    except InvalidInput:  # not a DataFrame: a violation, not a crash
        return Report(contract.name, 0, 0, 0, [Violation(
            "not_a_frame", None, f"{variable} is {type(value).__name__}, not a DataFrame")])
