"""What the watcher remembers between ticks and between processes: claimed trigger keys
(the dedupe: a key starts one retraining, ever) and per-policy cursors (the newest alert
seen, the last data fingerprint, the last schedule slot).

One SQLite file, ``<state>/lifecycle.db`` (WAL), shared by every process on the state
folder; a claim is one ``INSERT OR IGNORE``, so 100 processes offering the same key at
once start exactly one retraining.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

FILE = "lifecycle.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    model TEXT NOT NULL, key TEXT NOT NULL, trigger TEXT NOT NULL, claimed REAL NOT NULL,
    run_id TEXT, status TEXT NOT NULL DEFAULT 'running', duplicates INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (model, key));
CREATE TABLE IF NOT EXISTS cursors (
    policy TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (policy, name));
"""


class Ledger:
    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def claim(self, model: str, key: str, trigger: str) -> bool:
        """True for the first offer of ``key`` for ``model``; later offers count as duplicates."""
        with self._connect() as conn:
            inserted = conn.execute("INSERT OR IGNORE INTO claims (model, key, trigger, claimed) VALUES (?, ?, ?, ?)",
                                    (model, key, trigger, time.time())).rowcount
            if not inserted:
                conn.execute("UPDATE claims SET duplicates = duplicates + 1 WHERE model = ? AND key = ?", (model, key))
        return bool(inserted)

    def settle(self, model: str, key: str, status: str, run_id: str | None = None) -> None:
        with self._connect() as conn:
            conn.execute("UPDATE claims SET status = ?, run_id = COALESCE(?, run_id) WHERE model = ? AND key = ?",
                         (status, run_id, model, key))

    def claims(self, model: str | None = None) -> list[dict]:
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute("SELECT * FROM claims" + (" WHERE model = ?" if model else "") +
                                " ORDER BY claimed DESC", (model,) if model else ()).fetchall()
        return [dict(row) for row in rows]

    def seen(self, model: str, key: str) -> bool:
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM claims WHERE model = ? AND key = ?", (model, key)).fetchone() is not None

    def cursor(self, policy: str, name: str) -> str | None:
        with self._connect() as conn:
            row = conn.execute("SELECT value FROM cursors WHERE policy = ? AND name = ?", (policy, name)).fetchone()
        return row[0] if row else None

    def set_cursor(self, policy: str, name: str, value: str) -> None:
        with self._connect() as conn:
            conn.execute("INSERT INTO cursors (policy, name, value) VALUES (?, ?, ?) "
                         "ON CONFLICT (policy, name) DO UPDATE SET value = excluded.value", (policy, name, value))
