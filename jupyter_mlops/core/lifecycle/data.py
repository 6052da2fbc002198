"""The data a retraining reads: its fingerprint (what dedupes triggers) and its rows.

``fingerprint(paths)`` is ``{path: digest}``, a digest being the xxh3-128 of a file's bytes,
or for a folder of the (relative path, digest) of every file in it (hidden ones left
out).  Given a :class:`DigestCache`, digests are kept by (path, size, mtime), so polling a
large unchanged folder reads no bytes: the watcher that polls owns one for its lifetime,
as does the server's service for the sidebar's pending triggers.  ``key(fingerprint)`` is
one digest of them all.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

TABLES = (".csv", ".parquet")


class DigestCache:
    """File digests by (path, size, mtime), for a long-lived owner that fingerprints the
    same files again and again (a watcher's passes).  Thread-safe; at most ``limit``."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._digests: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    def file_digest(self, path: Path) -> str:
        stat = path.stat()
        stamp = (str(path), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if stamp in self._digests:
                return self._digests[stamp]
        found = file_digest(path)
        with self._lock:
            if len(self._digests) > self.limit:
                self._digests.clear()
            self._digests[stamp] = found
        return found


def file_digest(path: Path) -> str:
    """The xxh3-128 of the file's bytes (read each call: see :class:`DigestCache`)."""
    import xxhash

    digest = xxhash.xxh3_128()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_of(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.rglob("*") if p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(path).parts))


def fingerprint(paths: list[Path], base: Path | None = None, digests: DigestCache | None = None) -> dict[str, str]:
    """``{path (relative to base): digest}``; a missing path has the digest "missing".
    File digests come from ``digests`` (the caller's cache) when given."""
    import xxhash

    digest_of = file_digest if digests is None else digests.file_digest
    found = {}
    for path in paths:
        label = str(path.relative_to(base)) if base is not None and path.is_relative_to(base) else str(path)
        if path.is_dir():
            digest = xxhash.xxh3_128()
            for item in files_of(path):
                digest.update(f"{item.relative_to(path)}\0{digest_of(item)}\n".encode())
            found[label] = digest.hexdigest()
        elif path.is_file():
            found[label] = digest_of(path)
        else:
            found[label] = "missing"
    return found


def key(prints: dict[str, str]) -> str:
    import xxhash

    return xxhash.xxh3_128_hexdigest(json.dumps(prints, sort_keys=True).encode())


def newest_change(paths: list[Path]) -> float | None:
    """Epoch seconds of the newest modification among the files (for trigger latency)."""
    times = [f.stat().st_mtime for p in paths for f in files_of(p)]
    return max(times) if times else None


def read_table(path: Path):
    import pandas as pd

    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def read_tables(paths: list[Path]):
    """The csv and parquet files among ``paths`` (folders included) as one DataFrame, or None."""
    import pandas as pd

    frames = [read_table(f) for p in paths for f in files_of(p) if f.suffix in TABLES]
    if not frames:
        return None
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
