"""Which data a model was trained on, checked against contracts (``%register --require
"contract:NAME"``).

The source run names the frames it read and wrote (``mlops.data.inputs`` / ``outputs``).
Of those still in the kernel, the one that has all the contract's columns (else the one
sharing most) is validated as it is now.  Without the kernel's variables (a script), the
report the run recorded with ``%%track --expect NAME:VAR`` is used.
"""

from __future__ import annotations

import json

from .. import names, store
from ..errors import InvalidInput
from .model import Contract
from .report import Report, Violation
from .validate import validate


def training_reports(contracts: dict[str, Contract], run, namespace: dict | None) -> tuple[dict[str, Report], list]:
    """A report per contract, and notes (data that changed since the run)."""
    tags = run.data.tags
    recorded = store.data_records(run)
    reports, notes = {}, []
    for name, contract in contracts.items():
        found = _pick(contract, recorded, namespace or {})
        if found is not None:
            variable, frame, digest = found
            reports[name] = validate(frame, contract)
            notes.extend(_changed(variable, frame, digest))
            continue
        expected = tags.get(names.EXPECT_TAG.format(name=name))
        if expected:
            reports[name] = _from_tag(name, expected)
            continue
        listed = ", ".join(dict.fromkeys(r["name"] for r in recorded)) or "no DataFrames"
        raise InvalidInput(f"contract:{name}: none of the data run {run.info.run_id} read or wrote ({listed}) is in "
                           "this kernel as a DataFrame with the contract's columns, and the run recorded no "
                           f"--expect {name}:VAR check; re-run the training cell with %%track --expect {name}:VAR "
                           "or pass --run with the run that read the training data.")
    return reports, notes


def _pick(contract: Contract, recorded: list[dict], namespace: dict):
    import pandas as pd

    wanted = {c.name for c in contract.columns}
    best, best_overlap = None, 0
    for record in recorded:
        frame = namespace.get(record["name"])
        if not isinstance(frame, pd.DataFrame):
            continue
        overlap = len(wanted & {str(c) for c in frame.columns})
        if overlap == len(wanted):
            return record["name"], frame, record.get("digest")
        if overlap > best_overlap:
            best, best_overlap = (record["name"], frame, record.get("digest")), overlap
    return best


def _changed(variable: str, frame, digest: str | None) -> list[str]:
    from ..tracking.fingerprint import fingerprint

    now = fingerprint(frame)
    if digest and now is not None and now.digest != digest:
        return [f"{variable} changed since the source run read it; it was checked as it is now."]
    return []


def _from_tag(name: str, text: str) -> Report:
    try:
        body = json.loads(text)
    except ValueError:
        body = {"status": "failed", "violations": [{"check": "check_error", "message": "unreadable record"}]}
    violations = [Violation(v.get("check", "check_error"), v.get("column"), v.get("message", ""), v.get("count", 0),
                            v.get("examples", []), v.get("rows", [])) for v in body.get("violations") or []
                  if isinstance(v, dict)]
    if body.get("status") != "passed" and not violations:
        violations = [Violation("check_error", None, "the recorded check failed")]
    return Report(name, int(body.get("rows") or 0), 0, int(body.get("checks") or 0), violations)
