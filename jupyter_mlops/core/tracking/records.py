"""What the journal holds for a run, as types: built here, read back here.

A run is journaled as a sequence of :class:`Entry` values (its start, its git and
environment context, its end); the drainer folds consecutive entries of one run with
:func:`merge` and the sink writes the result to MLflow.  On disk an entry is compact
JSON (``Entry.to_json`` / ``Entry.from_json``); the field names are the journal's format,
so entries written by an earlier version still read back.

:class:`Outcome` is how a finished block (a ``%%track`` cell or a ``track()`` block)
becomes its last entry, the same way for both.
"""

from __future__ import annotations

import re
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from .. import names
from . import capture
from .redact import redact_text

ERROR_CHARS = 500  # of ``ExceptionType: message`` in the error tag
WARNING_CHARS = 1000


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class RunStart:
    start_time: int
    run_name: str | None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class RunEnd:
    status: str  # FINISHED, FAILED or KILLED
    end_time: int


@dataclass
class Environment:
    hash: str
    python: str
    requirements: str | None = None  # sent once per process; the hash names it after that


@dataclass
class Metric:
    key: str
    value: float
    timestamp: int
    step: int = 0


@dataclass
class Entry:
    """One journal entry of a run: any of its parts may be empty."""

    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)
    datasets: list[dict] = field(default_factory=list)  # capture.data_records with a digest
    start: RunStart | None = None
    end: RunEnd | None = None
    environment: Environment | None = None

    def to_json(self) -> dict:
        data: dict[str, Any] = {}
        if self.tags:
            data["tags"] = self.tags
        if self.params:
            data["params"] = self.params
        if self.metrics:
            data["metrics"] = [[m.key, m.value, m.timestamp, m.step] for m in self.metrics]
        if self.datasets:
            data["datasets"] = self.datasets
        for name in ("start", "end", "environment"):
            part = getattr(self, name)
            if part is not None:
                data[name] = {k: v for k, v in vars(part).items() if v is not None or name == "start"}
        return data

    @classmethod
    def from_json(cls, data: dict) -> Entry:
        start, end, env = data.get("start"), data.get("end"), data.get("environment")
        return cls(
            tags=dict(data.get("tags", {})),
            params=dict(data.get("params", {})),
            metrics=[Metric(k, float(v), int(ts), int(step)) for k, v, ts, step in data.get("metrics", [])],
            datasets=list(data.get("datasets", [])),
            start=RunStart(start.get("start_time") or now_ms(), start.get("run_name"), dict(start.get("tags", {})))
            if start is not None else None,
            end=RunEnd(end["status"], end.get("end_time") or now_ms()) if end is not None else None,
            environment=Environment(env["hash"], env.get("python", ""), env.get("requirements"))
            if env is not None else None,
        )


def merge(entries: list[Entry]) -> Entry:
    """Fold consecutive entries of one run into one (later values win)."""
    merged = Entry()
    for entry in entries:
        merged.tags.update(entry.tags)
        merged.params.update(entry.params)
        merged.metrics.extend(entry.metrics)
        merged.datasets.extend(entry.datasets)
        merged.start = entry.start or merged.start
        merged.end = entry.end or merged.end
        if entry.environment is not None:
            requirements = entry.environment.requirements
            if requirements is None and merged.environment is not None:
                requirements = merged.environment.requirements
            merged.environment = Environment(entry.environment.hash, entry.environment.python, requirements)
    return merged


@dataclass
class Outcome:
    """The last entry of a tracked block and the files that go with it, built by the
    caller piece by piece (each piece redacts what it stores)."""

    entry: Entry = field(default_factory=Entry)
    blobs: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def source(self, text: str, digest: str) -> None:
        tags, blobs = capture.source_tags(text, digest)
        self.entry.tags.update(tags)
        self.blobs.update(blobs)

    def params(self, params: dict) -> None:
        self.entry.params.update(capture.clean_params(params))

    def tags(self, tags: dict) -> None:
        self.entry.tags.update(capture.clean_tags(tags))

    def metrics(self, metrics: list) -> None:
        self.entry.metrics.extend(Metric(k, float(v), int(ts), int(step)) for k, v, ts, step in metrics)

    def datasets(self, records: list[dict]) -> None:
        """Data records (with or without a fingerprint): all are named in tags, the
        fingerprinted ones become MLflow dataset inputs."""
        self.entry.tags.update(capture.data_tags(records))
        self.entry.datasets.extend({k: v for k, v in d.items() if k != "object_id"}
                                   for d in records if d.get("digest"))

    def text(self, path: str, text: str) -> None:
        self.blobs[path] = redact_text(text).encode()

    def output(self, path: str, text: str, dropped: int = 0) -> None:
        """Captured output: redacted whole, then capped.  Where it was cut, the last
        partial word goes too, so no fragment of a credential cut in two is kept."""
        kept = redact_text(text)
        cut = dropped
        if len(kept) > capture.MAX_OUTPUT_CHARS:
            cut += len(kept) - capture.MAX_OUTPUT_CHARS
            kept = kept[: capture.MAX_OUTPUT_CHARS]
        if cut:
            kept = re.sub(r"\S+\Z", "", kept) + f"\n... [{cut} more characters not kept by jupyter-mlops]\n"
        self.blobs[path] = kept.encode()

    def error(self, error: BaseException | None) -> None:
        if error is None:
            return
        if isinstance(error, KeyboardInterrupt):
            self.entry.tags[names.ERROR] = "Interrupted (KeyboardInterrupt)"
            return
        self.entry.tags[names.ERROR] = redact_text(f"{type(error).__name__}: {error}")[:ERROR_CHARS]
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.text(names.ARTIFACT_TRACEBACK, trace)

    def close(self, duration_s: float) -> None:
        self.entry.tags[names.DURATION] = str(int(duration_s * 1000))
        if self.warnings:
            self.entry.tags[names.WARNING] = "; ".join(self.warnings)[:WARNING_CHARS]


def status_of(error: BaseException | None) -> str:
    if error is None:
        return "FINISHED"
    return "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED"
