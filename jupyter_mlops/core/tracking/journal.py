"""The local journal: a durable, append-only spool between a tracked cell and MLflow.

A tracked cell appends a few rows here (microseconds, no network) and goes on; the
drainer process (``drainer.py``) replays them into MLflow in the background.  Every run
has an idempotency key, so a replay after a crash or a timeout never creates a second
run.  One SQLite file per state folder, in WAL mode, shared by every kernel and script
on this machine that uses that folder: one drainer writes to the store, so concurrent
kernels never contend for a SQLite tracking store.

Rows:
- ``runs``: one per tracked run: key, tracking URI, experiment, owner (the process that
  tracks it), the MLflow run id once created, and whether it has been finished.
- ``entries``: ordered changes to a run (``payload`` JSON: tags, params, metrics,
  datasets, start and end fields), ``done`` once applied.
- ``blobs``: artifact bytes belonging to an entry.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .journal_faults import JOURNAL_NAME

log = logging.getLogger("jupyter_mlops.journal")

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,
    tracking_uri TEXT NOT NULL,
    experiment TEXT NOT NULL,
    owner TEXT NOT NULL,
    run_id TEXT,
    experiment_id TEXT,
    create_attempted INTEGER NOT NULL DEFAULT 0,
    finished INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL REFERENCES runs(key),
    payload TEXT NOT NULL,
    state INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX IF NOT EXISTS entries_pending ON entries (state, seq);
CREATE TABLE IF NOT EXISTS blobs (
    seq INTEGER NOT NULL,
    path TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (seq, path)
);
"""

PENDING, DONE, FAILED = 0, 1, 2
BUSY_TIMEOUT = 60.0  # seconds a connection waits for another process's lock


def _enable_wal(conn: sqlite3.Connection) -> None:
    """``PRAGMA journal_mode=WAL``, retried while another process holds the file.

    Turning a new file to WAL upgrades a read lock to an exclusive one inside a single
    statement; while another process is doing the same, SQLite fails it at once with
    "database is locked" (its deadlock rule skips the busy timeout), so every kernel
    opening a new journal at the same moment but one would fail.  Wait and try again.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    delay = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


@dataclass
class Entry:
    seq: int
    key: str
    payload: dict
    attempts: int


@dataclass
class RunRow:
    key: str
    tracking_uri: str
    experiment: str
    owner: str
    run_id: str | None
    create_attempted: bool
    finished: bool


class Journal:
    """Thread-safe handle on one journal file (a connection per thread)."""

    def __init__(self, state_dir: str | os.PathLike) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / JOURNAL_NAME
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._owner_handle: IO[str] | None = None
        self.owner = ""
        conn = self._connect()
        try:
            conn.executescript(SCHEMA)
        finally:
            conn.close()
        self.inode = self.path.stat().st_ino  # the file this handle opened (see ``replaced``)

    # -- connections -------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        _enable_wal(conn)
        # NORMAL in WAL mode survives a crash of any process; only a power cut can lose
        # the last commits.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def replaced(self) -> bool:
        """True when the file at ``path`` is no longer the one this handle opened (another
        process moved a damaged journal aside and started a new one)."""
        try:
            return self.path.stat().st_ino != self.inode
        except FileNotFoundError:
            return True

    def data_version(self) -> int:
        """Changes when another connection commits to the journal (SQLite's
        ``PRAGMA data_version``): a cheap way to tell that there may be news."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    # -- owners: a process holds an flock on its owner file while it is alive ------------
    def claim_owner(self) -> str:
        """Register this process as an owner of runs; the drainer closes the open runs
        of owners whose lock is free (their process died) as KILLED."""
        if not self.owner:
            owners = self.state_dir / "owners"
            owners.mkdir(exist_ok=True)
            owner = uuid.uuid4().hex
            handle = open(owners / f"{owner}.lock", "w")
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            handle.write(str(os.getpid()))
            handle.flush()
            self._owner_handle, self.owner = handle, owner
        return self.owner

    def owner_alive(self, owner: str) -> bool:
        lock = self.state_dir / "owners" / f"{owner}.lock"
        if owner == self.owner:
            return True
        try:
            handle = open(lock, "a")
        except FileNotFoundError:
            return False
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def forget_owner(self, owner: str) -> None:
        (self.state_dir / "owners" / f"{owner}.lock").unlink(missing_ok=True)

    # -- writing (the kernel side) ----------------------------------------------------------
    def open_run(self, tracking_uri: str, experiment: str, payload: dict, key: str | None = None,
                 replay: bool = False) -> str:
        """Journal a new run and its start; returns its idempotency key.

        ``replay``: the run was journaled elsewhere before (a journal set aside or held in
        memory), so a drainer may have created it already: look it up by key first.
        Opening a key that is already here again changes nothing."""
        key = key or uuid.uuid4().hex
        owner = self.claim_owner()
        conn = self.conn
        with _transaction(conn):
            added = conn.execute(
                "INSERT OR IGNORE INTO runs (key, tracking_uri, experiment, owner, create_attempted, created) "
                "VALUES (?,?,?,?,?,?)",
                (key, tracking_uri, experiment, owner, int(replay), time.time()),
            ).rowcount
            if added:
                conn.execute("INSERT INTO entries (key, payload) VALUES (?,?)", (key, _dumps(payload)))
        return key

    def append(self, key: str, payload: dict, blobs: dict[str, bytes] | None = None, finish: bool = False) -> int:
        """Journal one change to a run (atomically with its artifact bytes)."""
        conn = self.conn
        with _transaction(conn):
            seq = conn.execute("INSERT INTO entries (key, payload) VALUES (?,?)", (key, _dumps(payload))).lastrowid
            assert seq is not None  # an INSERT always has a rowid
            if blobs:
                conn.executemany(
                    "INSERT INTO blobs (seq, path, data) VALUES (?,?,?)",
                    [(seq, path, sqlite3.Binary(data)) for path, data in blobs.items()],
                )
            if finish:
                conn.execute("UPDATE runs SET finished = 1 WHERE key = ?", (key,))
        return seq

    # -- reading (status, waits) -------------------------------------------------------------
    def backlog(self) -> int:
        return self.conn.execute("SELECT count(*) FROM entries WHERE state = ?", (PENDING,)).fetchone()[0]

    def failed(self) -> list[tuple[int, str, str]]:
        return self.conn.execute(
            "SELECT seq, key, error FROM entries WHERE state = ? ORDER BY seq", (FAILED,)
        ).fetchall()

    def last_error(self) -> str | None:
        row = self.conn.execute(
            "SELECT error FROM entries WHERE state = ? AND error IS NOT NULL ORDER BY seq LIMIT 1", (PENDING,)
        ).fetchone()
        return row[0] if row else None

    def run_id(self, key: str) -> str | None:
        row = self.conn.execute("SELECT run_id FROM runs WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def run_row(self, key: str) -> RunRow | None:
        row = self.conn.execute(
            "SELECT key, tracking_uri, experiment, owner, run_id, create_attempted, finished FROM runs WHERE key = ?",
            (key,),
        ).fetchone()
        return _run_row(row) if row else None

    def pending_for(self, key: str) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM entries WHERE key = ? AND state = ?", (key, PENDING)
        ).fetchone()[0]

    # -- draining (the drainer side) ---------------------------------------------------------
    def pending(self, limit: int = 500) -> list[Entry]:
        rows = self.conn.execute(
            "SELECT seq, key, payload, attempts FROM entries WHERE state = ? ORDER BY seq LIMIT ?",
            (PENDING, limit),
        ).fetchall()
        return [Entry(seq, key, json.loads(payload), attempts) for seq, key, payload, attempts in rows]

    def blobs(self, seq: int) -> dict[str, bytes]:
        return {path: bytes(data) for path, data in self.conn.execute(
            "SELECT path, data FROM blobs WHERE seq = ?", (seq,))}

    def mark_create_attempted(self, key: str) -> None:
        self.conn.execute("UPDATE runs SET create_attempted = 1 WHERE key = ?", (key,))

    def set_run_id(self, key: str, run_id: str, experiment_id: str | None = None) -> None:
        self.conn.execute("UPDATE runs SET run_id = ?, experiment_id = ? WHERE key = ?", (run_id, experiment_id, key))

    def run_location(self, key: str) -> tuple[str | None, str | None]:
        """(experiment id, run id) once the drainer created the run, else (None, None)."""
        row = self.conn.execute("SELECT experiment_id, run_id FROM runs WHERE key = ?", (key,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def mark_done(self, seqs: list[int]) -> None:
        conn = self.conn
        with _transaction(conn):
            conn.executemany("UPDATE entries SET state = ?, error = NULL WHERE seq = ?", [(DONE, s) for s in seqs])
            conn.executemany("DELETE FROM blobs WHERE seq = ?", [(s,) for s in seqs])

    def mark_retry(self, seq: int, error: str) -> None:
        self.conn.execute(
            "UPDATE entries SET attempts = attempts + 1, error = ? WHERE seq = ?", (error[:2000], seq)
        )

    def mark_failed(self, seq: int, error: str) -> None:
        """Kept, not lost: ``jupyter-mlops sync --retry-failed`` puts it back in the queue."""
        self.conn.execute("UPDATE entries SET state = ?, error = ? WHERE seq = ?", (FAILED, error[:2000], seq))

    def retry_failed(self) -> int:
        requeue = "UPDATE entries SET state = ?, attempts = 0 WHERE state = ?"
        return self.conn.execute(requeue, (PENDING, FAILED)).rowcount

    def open_runs(self) -> list[RunRow]:
        rows = self.conn.execute(
            "SELECT key, tracking_uri, experiment, owner, run_id, create_attempted, finished "
            "FROM runs WHERE finished = 0"
        ).fetchall()
        return [_run_row(r) for r in rows]

    def compact(self, keep_seconds: float = 7 * 86400) -> None:
        """Forget applied entries and finished runs older than ``keep_seconds``."""
        cutoff = time.time() - keep_seconds
        conn = self.conn
        with _transaction(conn):
            conn.execute(
                "DELETE FROM runs WHERE finished = 1 AND created < ? AND key NOT IN "
                "(SELECT key FROM entries WHERE state != ?)", (cutoff, DONE))
            conn.execute("DELETE FROM entries WHERE state = ? AND key NOT IN (SELECT key FROM runs)", (DONE,))


class _transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return False
            except sqlite3.Error:
                self._rollback()
                raise
        self._rollback()
        return False

    def _rollback(self) -> None:
        # A failed COMMIT (a full disk) can leave the transaction open; every later BEGIN
        # on this connection would then fail.  The error that got us here is re-raised by
        # the caller; a failing ROLLBACK (the connection is gone) adds nothing to it.
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                log.debug("rollback after a failed journal write failed too: %s", exc)


def _run_row(row: tuple) -> RunRow:
    key, uri, experiment, owner, run_id, create_attempted, finished = row[:7]
    return RunRow(key, uri, experiment, owner, run_id, bool(create_attempted), bool(finished))


def _dumps(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), default=str)
