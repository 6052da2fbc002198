"""Helpers for the tests (imported by name: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

POSTGRES = os.environ.get("MLOPS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def run(ip, source: str):
    """Run a cell as JupyterLab would (stored in history, counted)."""
    return ip.run_cell(source, store_history=True)


def sync(ip, timeout: float = 60) -> None:
    ip.run_line_magic("mlops", f"sync --timeout {timeout}")
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.tracking.journal import Journal

    assert Journal(resolve().state_dir).backlog() == 0, "journal did not drain"


def client():
    from mlflow import MlflowClient

    from jupyter_mlops.core.config import resolve

    return MlflowClient(resolve().tracking_uri)


def all_runs(experiment: str | None = None):
    mlflow_client = client()
    experiments = [e.experiment_id for e in mlflow_client.search_experiments()
                   if experiment is None or e.name == experiment]
    experiments = [e for e in experiments]
    return mlflow_client.search_runs(experiments, max_results=10000, order_by=["attributes.start_time ASC"])


def migrate_template(folder: Path) -> Path:
    """An embedded store created and migrated in ``folder``; returns its database file.
    Built once per session (per xdist worker): MLflow's migrations take seconds."""
    import sqlite3

    from jupyter_mlops.core.config import embedded_uri
    from jupyter_mlops.core.store import prepare_uri

    prepare_uri(embedded_uri(folder))
    db = folder / "mlflow.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file we copy
    return db


def install_store(template: Path, db: Path) -> Path:
    """A copy of the migrated template at ``db``, as ``prepare_uri`` would have made it
    there: WAL mode, the Default experiment's artifacts beside the database."""
    import shutil
    import sqlite3

    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
                     (str(db.parent.resolve() / "artifacts" / "0"),))
    return db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MlflowServer:
    """``mlflow server`` on a fresh PostgreSQL database with proxied artifacts."""

    def __init__(self, workdir: Path) -> None:
        self.database = f"mlops_test_{uuid.uuid4().hex[:10]}"
        _admin(f'CREATE DATABASE "{self.database}"')
        self.backend = f"{POSTGRES.replace('postgresql://', 'postgresql+psycopg2://')}/{self.database}"
        self.artifacts = workdir / "server-artifacts"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "mlflow-server.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 300) -> None:
        import requests

        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", self.backend,
                 "--artifacts-destination", str(self.artifacts), "--serve-artifacts",
                 "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                # No test uses MLflow's job runner (GenAI scoring, trace archival); it starts
                # eight more processes that each import MLflow.
                env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()  # leave no server behind (it runs in a session of its own)
        raise RuntimeError(f"mlflow server did not start within {timeout:.0f} s: {self.log.read_text()[-3000:]}")

    def stop(self, timeout: float = 30) -> None:
        """Stop the server and every process it started (uvicorn workers, job runner),
        and wait until the port takes no connections: an outage is a real outage."""
        import signal

        if self.process is None:
            return
        group = self.process.pid  # start_new_session: the group id is the leader's pid
        deadline = time.monotonic() + timeout
        sig = signal.SIGTERM
        while True:
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                break
            if time.monotonic() > deadline - timeout / 2:
                sig = signal.SIGKILL
            if time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server group {group} did not stop")
            self.process.poll()  # reap the leader so the group can empty
            time.sleep(0.2)
        self.process.wait()
        while _port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"port {self.port} still open after stopping the mlflow server")
            time.sleep(0.2)
        self.process = None

    def drop(self) -> None:
        _admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')




def _admin(statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{POSTGRES}/postgres")
    try:
        conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
        conn.cursor().execute(statement)
    finally:
        conn.close()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _openapi() -> dict:
    import yaml

    import jupyter_mlops.server

    return yaml.safe_load((Path(jupyter_mlops.server.__file__).parent / "openapi.yaml").read_text())


SPEC = _openapi()


def schema_keys(name: str) -> set[str]:
    """The fields openapi.yaml documents for a schema (allOf parts included)."""
    schema = SPEC["components"]["schemas"][name]
    keys = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        keys |= set(part.get("properties", {}))
        if "$ref" in part:
            keys |= schema_keys(part["$ref"].rsplit("/", 1)[1])
    return keys
