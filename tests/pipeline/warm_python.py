"""`python -m PACKAGE ARGS`, started from a warm interpreter, for the Airflow tests' steps.

Each task of an exported Airflow DAG runs one step as `PIPELINE_PYTHON -m PACKAGE ...`.
Most of such a process's 2-3 CPU-seconds go to importing MLflow and jupyter-mlops's
runner, the same modules every time.  Here one server process imports them once and forks
a child per request; the child becomes the step process: the caller's argv, environment,
working folder and standard streams (passed as file descriptors), `PACKAGE` imported
anew and run as `__main__`, non-daemon threads joined and atexit handlers run as at an
interpreter's exit, and the caller exits with its status.  Anything but `-m` is handed to
the real interpreter.

    python warm_python.py serve SOCKET LAUNCHER   (start_warm_python below starts it)
    LAUNCHER -m PACKAGE ARGS...                   (the JUPYTER_MLOPS_PIPELINE_PYTHON)

The example DAG's test (test_airflow_kfp.py) runs its steps with the real interpreter.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import threading
import traceback
from pathlib import Path

PRELOAD = ("mlflow", "mlflow.entities", "mlflow.store.tracking.sqlalchemy_store",
           "jupyter_mlops.pipeline.runner.main", "jupyter_mlops.pipeline.runner.single")

LAUNCHER = """#!{python} -S
import json, os, socket, sys
args = sys.argv[1:]
if args[:1] != ["-m"] or len(args) < 2:
    os.execv({python!r}, [{python!r}, *args])
sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
sock.connect({socket!r})
request = {{"module": args[1], "argv": args[2:], "cwd": os.getcwd(), "env": dict(os.environ)}}
socket.send_fds(sock, [json.dumps(request).encode()], [0, 1, 2])
reply = sock.recv(64)
sys.exit(int(reply) if reply else 255)  # no reply: the step process died without one
"""


def serve(path: str, launcher: str) -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    base_path = sys.path[1:]  # without this script's folder
    Path(launcher).write_text(LAUNCHER.format(python=sys.executable, socket=path))
    os.chmod(launcher, 0o755)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        message, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:
            listener.close()
            _child(conn, fds, json.loads(message), base_path)
        for fd in fds:
            os.close(fd)
        conn.close()


def _child(conn: socket.socket, fds: list[int], request: dict, base_path: list[str]) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the step's own subprocesses are waited for
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    # As `python -m`: the working folder first, then PYTHONPATH, then the installation's.
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = [request["cwd"], *extra, *base_path]
    sys.argv = [request["module"], *request["argv"]]
    try:
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - reported as the interpreter reports it
        traceback.print_exc()
        code = 1
    threading._shutdown()  # type: ignore[attr-defined]  # as the interpreter exits: thread pools, then threads
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    conn.send(str(code).encode())
    os._exit(code)


def start_warm_python(folder: Path, env: dict) -> tuple[subprocess.Popen, Path]:
    """Start the server in ``folder``; returns it and the launcher to use as the Python."""
    launcher, path = folder / "warm-python", folder / "warm.sock"
    server = subprocess.Popen([sys.executable, __file__, "serve", str(path), str(launcher)], env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    if server.stdout.readline().strip() != "ready":
        server.kill()
        raise RuntimeError(f"the warm interpreter did not start (exit {server.wait()})")
    return server, launcher


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    serve(sys.argv[2], sys.argv[3])
