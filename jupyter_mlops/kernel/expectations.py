"""``%%track --expect NAME:VAR [--strict]``: validate variables against contracts after
the cell ran, record the reports on its run, and (with --strict) fail the cell.

Parsed before the cell runs (an unknown contract, a file that does not parse or a
variable that neither exists nor is assigned by the cell is a UsageError, and no run is
made); checked by ``TrackedCell._finish`` before the run's last entry is journaled.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from IPython.core.error import UsageError

from ..core import contracts, names
from ..core.errors import InvalidInput


class ContractViolation(Exception):
    """A ``--strict`` expectation failed: the cell (and its run) failed."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"ContractViolation: {line}" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


@dataclass
class Expectation:
    name: str
    variable: str
    contract: contracts.Contract
    report: contracts.Report | None = None
    digest: str | None = None


@dataclass
class Expectations:
    items: list[Expectation]
    strict: bool
    root: Path
    problems: list[str] = field(default_factory=list)
    error: ContractViolation | None = None

    @classmethod
    def parse(cls, specs: list[str], strict: bool, folder: Path, root: Path, known_names, assigned) -> Expectations:
        """``specs`` are the NAME:VAR values of --expect; ``known_names`` the kernel's
        variables, ``assigned`` the names the cell assigns."""
        if strict and not specs:
            raise UsageError("--strict fails the cell when an --expect NAME:VAR check fails; give --expect too.")
        items = []
        for spec in specs:
            name, sep, variable = spec.partition(":")
            if not sep or not name or not variable.isidentifier():
                raise UsageError(f"--expect {spec!r}: write CONTRACT:VARIABLE, e.g. --expect train:df "
                                 "(the contract contracts/train.yaml, checked on df after the cell).")
            if variable not in known_names and variable not in assigned:
                raise UsageError(f"--expect {spec}: the cell does not assign {variable!r} and no such variable "
                                 "exists; name the DataFrame to check after the cell runs.")
            try:
                contract = contracts.load(folder, name)
            except InvalidInput as exc:
                raise UsageError(str(exc)) from None
            except LookupError as exc:
                raise UsageError(str(exc)) from None
            items.append(Expectation(name, variable, contract))
        return cls(items, strict, root)

    def check(self, namespace: dict, outcome, error: BaseException | None) -> BaseException | None:
        """Validate each variable, record the reports on ``outcome``; returns the error
        the run ends with (a ContractViolation under --strict)."""
        if error is not None:
            self.problems.append("the cell failed, so no --expect contract was checked")
            return error
        from ..core.tracking.fingerprint import fingerprint

        listed, failed = [], []
        now = int(time.time() * 1000)
        for item in self.items:
            obj = namespace.get(item.variable)
            try:
                item.report = contracts.validate(obj, item.contract)
                found = fingerprint(obj)
                item.digest = found.digest if found else None
            except InvalidInput:
                item.report = contracts.Report(item.name, 0, 0, 0, [contracts.Violation(
                    "not_a_frame", None, f"{item.variable} is {type(obj).__name__}, not a DataFrame")])
            except Exception as exc:  # noqa: BLE001 - a failing check must not leave the run unfinished
                item.report = contracts.Report(item.name, 0, 0, 0, [contracts.Violation(
                    "check_error", None, f"the contract could not be checked ({type(exc).__name__}: {exc})")])
            report = item.report
            file = _relative(item.contract.path, self.root)
            outcome.tags({names.EXPECT_TAG.format(name=item.name): report.as_tag(
                names.MAX_TAG_VALUE, variable=item.variable, digest=item.digest, file=file)})
            outcome.metrics([[key, value, now, 0] for key, value in report.metrics().items()])
            outcome.blobs[f"{names.ARTIFACT_CONTRACTS}/{item.name}.json"] = json.dumps(
                {**report.as_dict(), "variable": item.variable, "digest": item.digest, "file": file},
                default=str, indent=1).encode()
            listed.append({"name": item.name, "variable": item.variable, "digest": item.digest,
                           "status": report.status})
            if not report.ok:
                failed.append(item)
        outcome.tags({names.EXPECTS: json.dumps(listed)[: names.MAX_TAG_VALUE]})
        if failed and self.strict:
            self.error = ContractViolation("\n".join(f"{i.variable}: {i.report.summary(limit=8)}" for i in failed
                                                     if i.report is not None))
            return self.error
        return None

    def show(self) -> None:
        """The reports, under the cell."""
        for item in self.items:
            if item.report is None:
                continue
            if item.report.ok:
                print(f"jupyter-mlops: {item.variable} meets {item.report.summary()}")
            elif not self.strict:
                print(f"jupyter-mlops: {item.variable} violates {item.report.summary()}\n"
                      "  (recorded on the run; --strict fails the cell instead)")

    def raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error


def _relative(path: str | None, root: Path) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path
