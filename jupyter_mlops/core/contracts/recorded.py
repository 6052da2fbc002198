"""What a tracked run recorded about its data contracts (``%%track --expect NAME:VAR``),
read back for the sidebar: one status per contract and dataset, with the failing checks.

A run holds, per contract, a tag (``mlops.expect.NAME``: the report cut to fit a tag)
and an artifact (``mlops/contracts/NAME.json``: the whole report), plus the list tag
``mlops.expects``.  ``statuses`` reads the tags only (cheap: lineage calls it for every
run it draws); ``run_contracts`` also reads each failed report's artifact, through
:mod:`core.store.artifacts` (the run's own artifacts only, size-capped), and falls back
to the tag when the artifact is missing, cut or unreadable.
"""

from __future__ import annotations

import json
from typing import Any

from .. import names
from ..errors import MLOpsError

# What the panel shows of a failed report (the artifact may hold thousands of examples).
MAX_VIOLATIONS = 50
MAX_EXAMPLES = 10
MAX_ROWS = 3
_EXPECT_PREFIX = names.EXPECT_TAG.format(name="")


def statuses(tags: dict[str, str]) -> list[dict[str, Any]]:
    """``[{"name", "variable", "digest", "status"}]`` from a run's tags: the list tag, or
    (a run whose list tag was lost or cut) the per-contract tags."""
    listed = []
    try:
        raw = json.loads(tags.get(names.EXPECTS) or "[]")
    except ValueError:
        raw = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            listed.append({"name": item["name"], "variable": item.get("variable"), "digest": item.get("digest"),
                           "status": _status(item.get("status"))})
    seen = {item["name"] for item in listed}
    for key in sorted(tags):
        name = key[len(_EXPECT_PREFIX):]
        if key.startswith(_EXPECT_PREFIX) and name and name not in seen:
            body = _parse(tags[key])
            listed.append({"name": name, "variable": body.get("variable"), "digest": body.get("digest"),
                           "status": _status(body.get("status"))})
    return listed


def run_contracts(client, run, listing: list[dict] | None = None) -> list[dict[str, Any]]:
    """Each contract the run checked: ``{"contract", "variable", "digest", "file", "status"
    ("passed" or "failed"), "ok", "checks", "rows", "failed_checks", "violations": [{"check",
    "column", "message", "count", "examples", "rows"}], "more" (violations left out),
    "report": the artifact's path or None when only the tag was read}``.

    ``listing``: the run's artifact listing when the caller has it (saves a listing call)."""
    tags = run.data.tags
    found = statuses(tags)
    if not found:
        return []
    from ..store.artifacts import LISTING_CAP

    # A listing cut at its cap may leave the report out: then it is looked for anyway.
    listed = None if listing is None or len(listing) >= LISTING_CAP else {
        entry["path"] for entry in listing if not entry.get("is_dir")}
    result = []
    for item in found:
        tag = _parse(tags.get(names.EXPECT_TAG.format(name=item["name"])) or "")
        path = f"{names.ARTIFACT_CONTRACTS}/{item['name']}.json"
        body: dict = {}
        if item["status"] != "passed" and (listed is None or path in listed):
            body = _read_report(client, run, path)
        source = path if body else None
        body = body or tag
        violations = [v for v in body.get("violations") or [] if isinstance(v, dict)]
        if not isinstance(body.get("violations"), list):  # a tag cut to its last resort: a count
            violations = []
        total = len(violations) + int(body.get("more") or 0)
        if item["status"] == "failed" and total == 0:
            total = max(_integer(tag.get("violations")) or 0, 1)
        result.append({
            "contract": item["name"],
            "variable": item["variable"] or body.get("variable"),
            "digest": item["digest"] or body.get("digest"),
            "file": body.get("file") or tag.get("file"),
            "status": item["status"],
            "ok": item["status"] == "passed",
            "checks": _integer(body.get("checks")),
            "rows": _integer(body.get("rows")),
            "failed_checks": total,
            "violations": [_trimmed(v) for v in violations[:MAX_VIOLATIONS]],
            "more": max(total - min(len(violations), MAX_VIOLATIONS), 0),
            "report": source,
        })
    return result


def by_digest(tags: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The contract checks a run made, by the fingerprint of the data checked."""
    found: dict[str, list[dict[str, Any]]] = {}
    for item in statuses(tags):
        if item["digest"]:
            found.setdefault(item["digest"], []).append({"name": item["name"], "status": item["status"]})
    return found


def _read_report(client, run, path: str) -> dict:
    from ..store import artifacts, is_mlflow_error

    try:
        read = artifacts.read(client, run, path)
    except Exception as exc:  # gone, refused (a symlink out of the run's folder), too large, not downloadable
        if isinstance(exc, (MLOpsError, OSError)) or is_mlflow_error(exc):
            return {}
        raise
    if read.get("truncated") or "content" not in read:
        return {}
    return _parse(read["content"])


def _parse(text: str) -> dict:
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _status(value) -> str:
    return "passed" if value == "passed" else "failed"


def _integer(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _trimmed(violation: dict) -> dict:
    examples = violation.get("examples")
    rows = violation.get("rows")
    return {"check": str(violation.get("check") or "check_error"), "column": violation.get("column"),
            "message": str(violation.get("message") or ""), "count": _integer(violation.get("count")) or 0,
            "examples": examples[:MAX_EXAMPLES] if isinstance(examples, list) else [],
            "rows": [r for r in rows[:MAX_ROWS] if isinstance(r, dict)] if isinstance(rows, list) else []}
