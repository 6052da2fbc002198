"""Local MLflow scoring-server processes: start, health-check, stop.

A server is ``python -m mlflow models serve -m models:/NAME/VERSION --env-manager local``
in its own session (process group), so stopping it also stops the uvicorn worker that
MLflow starts underneath.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
# Servers started by this process, by pid: kept so they are reaped, not left as zombies.
_children: dict[int, subprocess.Popen] = {}


class ServingError(RuntimeError):
    """The scoring server could not be started."""


def port_in_use(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        if sock.connect_ex((host, port)) == 0:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # as uvicorn does: connections of a stopped server in TIME_WAIT do not block the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def free_port(host: str = HOST) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def start(model_uri: str, port: int, tracking_uri: str, log_path: Path, host: str = HOST) -> subprocess.Popen:
    env = dict(os.environ)
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    env["MLFLOW_REGISTRY_URI"] = tracking_uri
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "models", "serve", "-m", model_uri, "--env-manager", "local",
             "-h", host, "-p", str(port), "-w", "1"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
        )
    _children[process.pid] = process
    return process


def ping(endpoint: str, timeout: float = 0.5) -> bool:
    """True when the scoring server at ``endpoint`` answers its health check."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{endpoint}/ping", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_healthy(process: subprocess.Popen, endpoint: str, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServingError(f"the model server exited with code {process.returncode} before it answered:\n"
                               f"{tail(log_path)}")
        if ping(endpoint, timeout=1.0):
            return
        time.sleep(0.25)
    raise ServingError(f"the model server did not answer {endpoint}/ping within {timeout:.0f} s:\n{tail(log_path)}")


def tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def alive(pid: int, port: int | None = None) -> bool:
    """True when ``pid`` runs and is a model server (not a recycled pid)."""
    if pid <= 0 or not _exists(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        status = Path(f"/proc/{pid}/stat").read_text().split()
    except OSError:
        return True  # no /proc (macOS): trust the signal check
    if len(status) > 2 and status[2] == "Z":  # a zombie: exited, not yet reaped
        _reap(pid)
        return False
    return "models serve" in cmdline and (port is None or str(port) in cmdline)


def stop(pid: int, port: int | None = None, timeout: float = 10.0) -> bool:
    """Stop the server's process group (its pgid is its pid: it was started in its own
    session); True if something was running.  A recycled pid that is not a model server
    is left alone."""
    if pid <= 0:
        return False
    if _exists(pid) and not alive(pid, port):
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        _reap(pid)
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not _has_live_members(pid):
            return True
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _reap(pid)
    return True


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _has_live_members(group: int) -> bool:
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def _reap(pid: int) -> None:
    process = _children.get(pid)
    if process is not None:
        if process.poll() is not None:
            del _children[pid]
        return
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
