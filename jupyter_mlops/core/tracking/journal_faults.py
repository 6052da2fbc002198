"""When the journal itself cannot be used: what kind of fault it is, and what to say.

A tracked cell must run even when its journal cannot take a row.  The session
(``session.py``) decides what to do from the kind of fault:

- ``full``: the disk (or quota) is full.  Entries wait in memory and are written as soon
  as the journal takes writes again.
- ``readonly``: the state folder or the file cannot be written (read-only mount,
  permissions).  A fresh journal is started in a fallback folder under the temporary
  directory (:func:`fallback_state_dir`), with its own drainer.
- ``corrupt``: the file is not a database any more (header overwritten, damaged pages,
  truncated).  It is moved aside, kept for recovery (:func:`set_aside`), and a new
  journal is started in its place.
- ``io``: anything else SQLite or the OS reports; treated like ``full``.

Only stdlib here: this is on the critical path of a tracked cell.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import tempfile
import time
from pathlib import Path

JOURNAL_NAME = "journal.db"
SET_ASIDE_MARK = ".corrupt-"
_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


def fault_kind(exc: BaseException) -> str | None:
    """``corrupt``, ``full``, ``readonly`` or ``io`` for an error of the journal's
    file or folder; None for anything else (a bug, which should surface)."""
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", None) or ""
        text = str(exc).lower()
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text or "not a database" in text:
            return "corrupt"
        if name.startswith("SQLITE_FULL") or "disk is full" in text:
            return "full"
        if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")) \
                or "readonly" in text or "unable to open" in text:
            return "readonly"
        return "io"
    if isinstance(exc, OSError):
        if exc.errno in _FULL_ERRNOS:
            return "full"
        if exc.errno in _READONLY_ERRNOS:
            return "readonly"
        return "io"
    return None


def fallback_state_dir(state_dir: Path) -> Path:
    """Where a journal goes when ``state_dir`` cannot be written: a folder of this user's
    under the temporary directory, the same one for the same state folder, so every
    kernel on that folder (and ``jupyter-mlops status``/``sync``) finds it."""
    digest = hashlib.sha256(str(Path(state_dir).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"jupyter-mlops-{os.getuid()}" / digest


def set_aside(path: Path, expected_inode: int | None = None) -> Path | None:
    """Move a damaged journal (and its -wal/-shm files) aside, kept for recovery; returns
    the new name, or None when another process already moved it (the file at ``path``
    is no longer the one we opened)."""
    try:
        current = path.stat().st_ino
    except FileNotFoundError:
        return None
    if expected_inode is not None and current != expected_inode:
        return None
    aside = path.with_name(f"{path.name}{SET_ASIDE_MARK}{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    os.rename(path, aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.rename(companion, aside.with_name(aside.name + suffix))
    return aside


def set_aside_copies(state_dir: Path) -> list[Path]:
    """Damaged journals moved aside in ``state_dir``, oldest first."""
    try:
        found = [p for p in Path(state_dir).glob(f"{JOURNAL_NAME}{SET_ASIDE_MARK}*")
                 if not p.name.endswith(("-wal", "-shm"))]
    except OSError:
        return []
    return sorted(found)


def describe(kind: str, path: Path, detail: str, *, fallback: Path | None = None,
             aside: Path | None = None, held: int = 0) -> str:
    """One notice: what is wrong with the journal, where runs go meanwhile, what to do."""
    folder = path.parent
    if kind == "corrupt":
        kept = f"moved aside to {aside} (kept for recovery: `sqlite3 {aside} .recover`)" if aside \
            else "moved aside by another process"
        return (f"jupyter-mlops: the journal {path} is damaged ({detail}); it was {kept} and a new journal "
                "was started. Your cells run as usual; entries that were only in the damaged file are in "
                "that copy.")
    if kind == "readonly":
        where = f"runs are journaled in {fallback / JOURNAL_NAME} instead and sent to MLflow from there" \
            if fallback else f"runs are kept in memory ({held} entries waiting) until it can be written"
        return (f"jupyter-mlops: the journal folder {folder} cannot be written ({detail}); {where}. Your cells "
                "run as usual. Make the folder writable (or set JUPYTER_MLOPS_STATE_DIR to a writable one) "
                "and restart the kernel.")
    problem = "the disk is full" if kind == "full" else "it failed"
    return (f"jupyter-mlops: the journal {path} cannot be written: {problem} ({detail}). Your cells run as "
            f"usual; their runs are kept in memory ({held} entries waiting) and written to the journal as "
            f"soon as it takes writes again. Free space on {folder} (or set JUPYTER_MLOPS_STATE_DIR to "
            "another folder and restart the kernel); runs still in memory are lost if the kernel stops first.")
