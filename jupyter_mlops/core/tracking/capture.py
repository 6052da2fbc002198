"""Turn what a tracked block did into a journal payload: params, metrics, data, outputs.

Shared by the ``%%track`` magic and the ``track()`` context manager for scripts.
"""

from __future__ import annotations

import numbers
import posixpath
import re
import time
from collections.abc import Mapping

from .. import names
from .fingerprint import describe, fingerprint, is_data
from .redact import redact_mapping, redact_text

MAX_OUTPUT_CHARS = 100_000
_KEY = re.compile(r"^[\w./ -]+$")


class InputError(ValueError):
    """Bad input from the user (malformed KEY=VALUE, missing metric variable...)."""


def parse_pairs(items: list[str], what: str, max_value: int | None = None) -> dict[str, str]:
    """``["lr=0.1", "note=a=b"]`` -> ``{"lr": "0.1", "note": "a=b"}``; keys MLflow would
    refuse, and values longer than ``max_value``, are an InputError."""
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--{what} {item!r} is not KEY=VALUE; write it like --{what} lr=0.1")
        if not _KEY.match(key):
            raise InputError(
                f"--{what} key {_shorten(key)!r} has characters MLflow does not allow; use letters, digits, "
                "'_', '-', '.', ' ' and '/'"
            )
        problem = key_problem(key)
        if problem:
            raise InputError(f"--{what} key {_shorten(key)!r} {problem}")
        if max_value is not None and len(value) > max_value:
            raise InputError(f"--{what} {_shorten(key)!r}: the value is {len(value)} characters long; MLflow keeps "
                             f"at most {max_value}. Shorten it, or log it as an artifact.")
        pairs[key] = value
    return pairs


_MLFLOW_KEY = re.compile(r"^[/\w.\- :]*$")  # mlflow.utils.validation.validate_param_and_metric_name


def key_problem(key: str) -> str | None:
    """Why MLflow would refuse ``key`` as a tag, param or metric name, or None."""
    if not key:
        return "is empty"
    if len(key) > names.MLFLOW_MAX_KEY_LENGTH:
        return f"is {len(key)} characters long; MLflow allows at most {names.MLFLOW_MAX_KEY_LENGTH}"
    if not _MLFLOW_KEY.match(key):
        return "has characters MLflow does not allow; use letters, digits, '_', '-', '.', ':', ' ' and '/'"
    normal = posixpath.normpath(key)
    if normal != key or normal == "." or normal.startswith(("..", "/")):
        return "is a path MLflow refuses (a leading '/', '..', '//', '/./' or a trailing '/'); write it plainly"
    return None


def name_problem(value: str, what: str, limit: int) -> str | None:
    """Why MLflow would refuse ``value`` as a run, experiment or model name, or None."""
    if len(value) > limit:
        return f"{what} is {len(value)} characters long; MLflow allows at most {limit}. Use a shorter one."
    if "\x00" in value:
        return f"{what} contains a NUL character; MLflow cannot store it."
    return None


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit]}..."


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
                problem = key_problem(str(key))
                if problem:
                    problems.append(f"--metric {variable}[{str(key)[:60]!r}]: the key {problem}; it was not logged")
                elif number is None:
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
