"""The prediction log of a deployment: append-only JSON-lines segments, rotated and pruned.

Each answered ``/invocations`` request is one line, written with a single ``write(2)`` on a
file opened ``O_APPEND`` *before* the response is sent, so a request that got an answer is
in the file even if the server is killed with SIGKILL right after (the kernel holds the
bytes; ``fsync=True`` also survives a power cut, at a cost per request)::

    {"t": 1763900000.123, "ms": 1.9, "status": 200, "version": "3", "type": "json",
     "in": <the request body as sent, when it is JSON> | "<the body as text>",
     "out": <the response body, when it is JSON> | "<text>",
     "contract": {"contract", "status": "failed", "violations": [{"check", "column", "count",
                  "examples"}]}}   # only when the request violated the deployment's contract

Segments are ``<folder>/<start ms>-<pid>-<sequence>.jsonl``.  A writer starts a new segment when the
current one reaches ``segment_bytes`` or is ``segment_seconds`` old; closed segments are
handed to ``on_rotate`` (an upload) and deleted when older than ``retention_seconds`` or
when the folder holds more than ``retention_bytes``.

``read_records(folder, since=..., limit=...)`` reads them back (a torn last line, from a
kill in the middle of a write, is skipped); ``records_frame`` turns them into one row per
input row.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

SUFFIX = ".jsonl"
MAX_BODY_BYTES = 8 * 1024 * 1024  # a bigger body is logged as its size only


class PredictionLog:
    def __init__(self, folder: Path, *, segment_bytes: int = 64 * 1024 * 1024, segment_seconds: float = 3600,
                 retention_seconds: float = 7 * 86400, retention_bytes: int = 1024 ** 3, fsync: bool = False,
                 on_rotate: Callable[[Path], object] | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.segment_bytes = segment_bytes
        self.segment_seconds = segment_seconds
        self.retention_seconds = retention_seconds
        self.retention_bytes = retention_bytes
        self.fsync = fsync
        self.on_rotate = on_rotate
        self._lock = threading.Lock()
        self._fd = -1
        self._path: Path | None = None
        self._size = 0
        self._opened = 0.0
        self._sequence = 0
        self._open()

    @property
    def path(self) -> Path | None:
        return self._path

    def _open(self) -> None:
        now = time.time()
        self._sequence += 1
        self._path = self.folder / f"{int(now * 1000):013d}-{os.getpid()}-{self._sequence:06d}{SUFFIX}"
        self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._size = 0
        self._opened = now

    def append(self, line: bytes) -> None:
        """Write one record (a line ending in newline); OSError when the disk refuses it."""
        with self._lock:
            if self._size and (self._size + len(line) > self.segment_bytes
                               or time.time() - self._opened >= self.segment_seconds):
                self._rotate()
            written = os.write(self._fd, line)
            while written < len(line):  # a short write (a signal, a nearly full disk): finish it
                written += os.write(self._fd, line[written:])
            if self.fsync:
                os.fsync(self._fd)
            self._size += len(line)

    def rotate(self) -> None:
        with self._lock:
            self._rotate()

    def _rotate(self) -> None:
        closed = self._path
        os.close(self._fd)
        self._open()
        if closed is not None and self.on_rotate is not None:
            threading.Thread(target=self.on_rotate, args=(closed,), daemon=True, name="mlops-log-upload").start()
        self.prune()

    def prune(self) -> list[Path]:
        """Delete closed segments past the retention; returns them."""
        now = time.time()
        closed = [p for p in segments(self.folder) if p != self._path]
        removed = [p for p in closed if now - _mtime(p) > self.retention_seconds]
        kept = [p for p in closed if p not in removed]
        total = sum(_size(p) for p in kept) + self._size
        for path in kept:  # oldest first
            if total <= self.retention_bytes:
                break
            total -= _size(path)
            removed.append(path)
        for path in removed:
            path.unlink(missing_ok=True)
        return removed

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def record_line(started: float, latency_ms: float, status: int, version: str, content_type: str, body: bytes,
                response: bytes, contract: dict | None = None) -> bytes:
    """One log line.  A JSON body the model answered with 200 is valid JSON (MLflow parsed
    it) and is copied as it is, its line breaks made spaces (inside JSON strings they are
    always escaped, so only whitespace changes); anything else is stored as a string."""
    is_json = content_type.split(";", 1)[0].strip() == "application/json"
    kind = "json" if is_json else ("csv" if "csv" in content_type else "other")
    head = (f'{{"t":{started:.6f},"ms":{latency_ms:.3f},"status":{status},"version":{json.dumps(version)},'
            f'"type":"{kind}","in":').encode()
    if len(body) > MAX_BODY_BYTES:
        logged_in = json.dumps({"truncated_bytes": len(body)}).encode()
    elif is_json and status == 200:
        logged_in = _one_line(body)
    else:
        logged_in = json.dumps(body.decode("utf-8", errors="replace")).encode()
    if status == 200 and response[:1] in (b"{", b"["):
        logged_out = _one_line(response)
    else:
        logged_out = json.dumps(response[:4096].decode("utf-8", errors="replace")).encode()
    tail = b"}\n" if contract is None else b',"contract":' + json.dumps(contract, default=str).encode() + b"}\n"
    return b"".join((head, logged_in, b',"out":', logged_out, tail))


def _one_line(data: bytes) -> bytes:
    return data.replace(b"\n", b" ").replace(b"\r", b" ") if b"\n" in data or b"\r" in data else data


def segments(folder: Path) -> list[Path]:
    """The folder's segments, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"*{SUFFIX}"), key=_order)


def _order(path: Path) -> tuple:
    parts = path.stem.split("-")
    return parts[0], parts[-1], _mtime(path)


def read_records(folder: Path, since: float | None = None, limit: int | None = None) -> list[dict]:
    """Records of every segment, oldest first; ``since`` (epoch seconds) keeps newer ones,
    ``limit`` the last ``limit`` of them."""
    found: list[dict] = []
    for path in reversed(segments(folder)):  # newest first: a limit reads only the segments it needs
        if since is not None and _mtime(path) < since:
            break  # written to last before the window began, as is every older one
        found.extend(r for r in _lines(path) if since is None or r.get("t", 0) >= since)
        if limit and len(found) >= limit:
            break
    found.sort(key=lambda r: r.get("t", 0))
    return found[-limit:] if limit else found


def _lines(path: Path) -> Iterator[dict]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # pruned while we listed
        return
    for raw in data.split(b"\n"):
        if not raw:
            continue
        try:
            yield json.loads(raw)
        except ValueError:
            continue  # a line torn by a kill mid-write: never acknowledged


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
