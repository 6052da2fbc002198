"""Turn what a tracked block did into a journal payload: params, metrics, data, outputs.

Shared by the ``%%track`` magic and the ``track()`` context manager for scripts.
"""

from __future__ import annotations

import numbers
import re
import time
from collections.abc import Mapping

from . import names
from .fingerprint import describe, fingerprint, is_data
from .redact import redact_mapping, redact_text

MAX_OUTPUT_CHARS = 100_000
_KEY = re.compile(r"^[\w./ -]+$")


class InputError(ValueError):
    """Bad input from the user (malformed KEY=VALUE, missing metric variable...)."""


def parse_pairs(items: list[str], what: str) -> dict[str, str]:
    """``["lr=0.1", "note=a=b"]`` -> ``{"lr": "0.1", "note": "a=b"}``."""
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--{what} {item!r} is not KEY=VALUE; write it like --{what} lr=0.1")
        if not _KEY.match(key):
            raise InputError(
                f"--{what} key {key!r} has characters MLflow does not allow; use letters, digits, "
                "'_', '-', '.', ' ' and '/'"
            )
        pairs[key] = value
    return pairs


def as_number(value) -> float | None:
    """A float for ints, floats, bools and numpy/torch scalars; None for anything else."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, numbers.Real):
        return float(value)
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "size", getattr(value, "numel", lambda: 0)) in (1,):
        try:
            return as_number(item())
        except (TypeError, ValueError):
            return None
    return None


def metric_values(namespace: Mapping, variables: list[str]) -> tuple[list[list], list[str]]:
    """Metrics from variables after the block ran: numbers, or dicts of numbers."""
    now = int(time.time() * 1000)
    metrics: list[list] = []
    problems: list[str] = []
    for variable in variables:
        if variable not in namespace:
            problems.append(f"--metric {variable}: no variable {variable!r} after the cell ran")
            continue
        value = namespace[variable]
        if isinstance(value, Mapping):
            for key, item in value.items():
                number = as_number(item)
                if number is None:
                    problems.append(f"--metric {variable}[{key!r}] is {type(item).__name__}, not a number")
                else:
                    metrics.append([str(key), number, now, 0])
            continue
        number = as_number(value)
        if number is None:
            problems.append(f"--metric {variable} is {type(value).__name__}, not a number; it was not logged")
        else:
            metrics.append([variable, number, now, 0])
    return metrics, problems


def data_records(namespace: Mapping, variables, role: str, source: str) -> list[dict]:
    """Dataset records for the DataFrames/Series/arrays among ``variables``."""
    records = []
    for variable in sorted(variables):
        obj = namespace.get(variable)
        if obj is None or not is_data(obj):
            continue
        found = fingerprint(obj)
        record = {"name": variable, "role": role, "source": source, "object_id": id(obj)}
        record.update(describe(obj) if found is None else found.as_dict())
        record.setdefault("digest", None)
        records.append(record)
    return records


def data_tags(records: list[dict]) -> dict[str, str]:
    import json

    tags = {}
    for role, tag in (("input", names.DATA_INPUTS), ("output", names.DATA_OUTPUTS)):
        listed = [{k: r.get(k) for k in ("name", "digest", "kind", "shape")} for r in records if r["role"] == role]
        if listed:
            tags[tag] = json.dumps(listed)[: names.MAX_TAG_VALUE]
    return tags


def capped(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... [{len(text) - limit} more characters not kept by jupyter-mlops]\n"


def source_tags(source: str, source_hash: str) -> tuple[dict[str, str], dict[str, bytes]]:
    """The redacted source as a tag (and as an artifact when it is too long for one)."""
    clean = redact_text(source)
    tags = {names.CELL_HASH: source_hash, names.CELL_SOURCE: clean[: names.MAX_TAG_VALUE]}
    blobs = {names.ARTIFACT_CELL: clean.encode()} if len(clean) > names.MAX_TAG_VALUE else {}
    return tags, blobs


def clean_params(params: Mapping) -> dict[str, str]:
    return redact_mapping({k: v for k, v in params.items()})


def clean_tags(tags: Mapping) -> dict[str, str]:
    return redact_mapping(tags)
