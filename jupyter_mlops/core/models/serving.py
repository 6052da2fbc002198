"""Local MLflow scoring-server processes: start, health-check, stop.

A server is MLflow's scoring server, started the way ``mlflow models serve --env-manager
local`` starts it (``mlflow.pyfunc.scoring_server.get_cmd``: uvicorn running
``mlflow.pyfunc.scoring_server.app:app`` on a model folder, one worker), with three
differences: the app is ours, wrapping MLflow's (core/monitoring: prediction log and
``/metrics``, the same ``/invocations`` contract); uvicorn runs as ``<this python> -m
uvicorn``, so it is found whatever PATH the kernel has (a kernelspec naming the venv's
python does not put the venv's ``bin`` on PATH); and the model is downloaded by the
caller, so no second interpreter starts just to download it and exec uvicorn.  Each
server runs in its own session (process group), and stopping it stops the whole group.
"""

from __future__ import annotations

import math
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
MLFLOW_APP = "mlflow.pyfunc.scoring_server.app:app"
MONITORED_APP = "jupyter_mlops.core.monitoring.scoring_app:app"
# Servers started by this process, by pid: kept so they are reaped, not left as zombies.
_children: dict[int, subprocess.Popen] = {}


class ServingError(RuntimeError):
    """The scoring server could not be started."""


def check_options(host: str, timeout: float) -> None:
    """ValueError naming the option when ``host`` is not an IPv4 address of this machine or
    ``timeout`` is not a positive number of seconds (nan and inf included)."""
    import ipaddress

    if not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"--timeout {timeout} is not a number of seconds: give a positive number, e.g. 180.")
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        raise ValueError(f"--host {host!r} is not an IPv4 address: use 127.0.0.1 (this machine only, the "
                         "default) or 0.0.0.0 (every interface).") from None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, 0))
        except OSError:
            raise ValueError(f"--host {host} is not an address of this machine: use 127.0.0.1, 0.0.0.0 or one "
                             "of its interfaces' addresses.") from None


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


def command(model_dir: Path, port: int, host: str = HOST) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of MLflow's scoring server for the model in ``model_dir``,
    as MLflow builds them, with uvicorn run by this interpreter and this interpreter's
    ``bin`` first on PATH."""
    from mlflow.pyfunc import scoring_server

    # MLflow annotates host as an int; it is the address string it passes to uvicorn --host
    line, env = scoring_server.get_cmd(str(model_dir), port=port, host=host, nworkers=1)  # type: ignore[arg-type]
    argv = shlex.split(line)
    if not argv or argv[0] != "uvicorn":  # MLflow changed how it starts its server
        raise ServingError(f"MLflow's scoring-server command is not a uvicorn command ({line!r}); "
                           "this version of jupyter-mlops does not know how to start it.")
    if argv[-1] == MLFLOW_APP:  # our layer around MLflow's app: prediction log and /metrics (core/monitoring)
        argv[-1] = MONITORED_APP
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, *(p for p in env.get("PATH", "").split(os.pathsep) if p and p != bin_dir)])
    return [sys.executable, "-m", "uvicorn", *argv[1:]], env


def start(model_dir: Path, port: int, tracking_uri: str, log_path: Path, host: str = HOST,
          extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start MLflow's scoring server for the downloaded model in ``model_dir`` in a new
    session, its output appended to ``log_path``; ``extra_env`` configures our layer."""
    argv, env = command(model_dir, port, host)
    env.update(extra_env or {})
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    env["MLFLOW_REGISTRY_URI"] = tracking_uri
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                   start_new_session=True)
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


def wait_healthy(process: subprocess.Popen, endpoint: str, log_path: Path, timeout: float,
                 waiting=None) -> None:
    """Return when ``endpoint`` answers /ping; ServingError (with the log's last lines and
    its path) when the process exits first or ``timeout`` seconds pass.  ``waiting`` is
    called with the seconds waited so far, about once a second."""
    started = time.monotonic()
    deadline = started + timeout
    reported = -1
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServingError(f"the model server exited with code {process.returncode} before it answered.\n"
                               f"{log_summary(log_path)}")
        if ping(endpoint, timeout=1.0):
            return
        waited = int(time.monotonic() - started)
        if waiting is not None and waited > reported:
            reported = waited
            waiting(waited)
        time.sleep(0.1)
    raise ServingError(f"the model server did not answer {endpoint}/ping within {timeout:g} s "
                       f"(--timeout to wait longer).\n{log_summary(log_path)}")


def log_summary(path: Path, lines: int = 12, width: int = 240) -> str:
    """The last lines of a server log (each cut to ``width``) and where the whole log is."""
    return f"Last lines of the server log:\n{tail(path, lines, width)}\nWhole log: {path}"


def tail(path: Path, lines: int = 12, width: int = 240) -> str:
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 64_000))
            text = log.read().decode(errors="replace")
    except OSError:
        return "  (no log)"
    last = [line if len(line) <= width else line[: width - 3] + "..." for line in text.splitlines()[-lines:]]
    return "\n".join(f"  {line}" for line in last) or "  (empty)"


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
    serves = any(app in cmdline for app in ("jupyter_mlops.core.monitoring.scoring_app", "mlflow.pyfunc.scoring_server",
                                            "models serve"))  # the last two: older records
    return serves and (port is None or str(port) in cmdline)


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


def stop_started(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop the whole process group of a server this process started, whatever state it
    is in (still starting, exited, or left children behind): for a failed start."""
    _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (_has_live_members(process.pid) if Path("/proc").is_dir()
                                           else process.poll() is None):
        process.poll()
        time.sleep(0.05)
    if _has_live_members(process.pid):
        _signal_group(process.pid, signal.SIGKILL)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    _children.pop(process.pid, None)


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        pass


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
