"""Opening MLflow stores: clients, first-time setup, experiments by name.

Kernel code never imports this module on the hot path; the drainer process and the
server do.  Everything goes through an explicit ``MlflowClient(tracking_uri=...)``.
"""

from __future__ import annotations

import fcntl
import functools
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from ..config import Settings

_prepared: set[str] = set()
_prepare_lock = threading.Lock()


@contextmanager
def file_lock(path: Path):
    """An exclusive advisory lock between processes (released if the holder dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sqlite_path(uri: str) -> Path | None:
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///") :].split("?", 1)[0]).resolve()


def artifact_root_for(uri: str) -> Path | None:
    """Artifacts of a SQLite store live beside its database, never in the cwd."""
    db = sqlite_path(uri)
    return None if db is None else db.parent / "artifacts"


def prepare(settings: Settings) -> None:
    prepare_uri(settings.tracking_uri)


def prepare_uri(uri: str) -> None:
    """Create a SQLite store once: WAL mode, schema migrations under a lock so that
    concurrent first starts do not race, artifacts beside the database."""
    with _prepare_lock:
        if uri in _prepared:
            return
        db = sqlite_path(uri)
        if db is not None:
            db.parent.mkdir(parents=True, exist_ok=True)
            with file_lock(db.parent / ".init.lock"):
                with sqlite3.connect(db, timeout=60) as conn:
                    conn.execute("PRAGMA journal_mode=WAL")
                from .compat import migrate_sqlite

                migrate_sqlite(uri, str(artifact_root_for(uri)))
        _prepared.add(uri)


@functools.lru_cache(maxsize=8)
def client(tracking_uri: str):
    from mlflow import MlflowClient

    prepare_uri(tracking_uri)
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def experiment_id(mlflow_client, name: str) -> str:
    """Get or create an experiment by name; safe when two processes race to create it."""
    import re

    from mlflow.exceptions import MlflowException

    root = artifact_root_for(mlflow_client.tracking_uri)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "experiment"
    artifact_location = str(root / slug) if root is not None else None

    found = mlflow_client.get_experiment_by_name(name)
    if found is not None:
        if found.lifecycle_stage == "deleted":
            mlflow_client.restore_experiment(found.experiment_id)
        return found.experiment_id
    try:
        return mlflow_client.create_experiment(name, artifact_location=artifact_location)
    except MlflowException:
        found = mlflow_client.get_experiment_by_name(name)
        if found is None:
            raise
        return found.experiment_id


def unreachable_reason(uri: str, timeout: float = 0.2) -> str | None:
    """Why the server behind ``uri`` does not take connections, or None if it does
    (or if the URI names no server, e.g. SQLite).  A TCP connect, no MLflow call."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") and not parts.scheme.startswith(("postgresql", "mysql", "mssql")):
        return None
    default_ports = {"http": 80, "https": 443}
    port = parts.port or default_ports.get(parts.scheme) or (5432 if parts.scheme.startswith("postgresql") else 3306)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=timeout):
            return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__
