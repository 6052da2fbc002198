"""``jupyter-mlops ui``: the stock MLflow UI on the store jupyter-mlops resolved.

``mlflow ui --backend-store-uri sqlite:///...`` run from the wrong folder quietly creates an
empty store; this resolves the store the way the kernel and the server do, refuses an
embedded store that does not exist yet, and records the UI's address in the state folder
(``mlflow-ui.json``) while it runs, so that the sidebar's and the run summary's "Open in
MLflow UI" links find it without configuration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .config import Settings

RECORD_NAME = "mlflow-ui.json"
START_TIMEOUT = 180.0


def running_ui(state_dir: Path) -> str | None:
    """The URL of the MLflow UI ``jupyter-mlops ui`` runs on this state folder, if it runs."""
    try:
        record = json.loads((state_dir / RECORD_NAME).read_text(encoding="utf-8"))
        pid, url = int(record["pid"]), str(record["url"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url.rstrip("/")


def ui_url(settings: Settings) -> str:
    """The configured UI (``c.MLOps.ui_url``, ``JUPYTER_MLOPS_UI_URL``), else a running
    ``jupyter-mlops ui`` on this store, else ''."""
    return settings.ui_url or running_ui(settings.state_dir) or ""


def missing_store(settings: Settings) -> str | None:
    """Why there is nothing to show: an embedded store that was never created."""
    from .store import sqlite_path

    db = sqlite_path(settings.tracking_uri)
    if settings.embedded and db is not None and not db.exists():
        return (f"There is no jupyter-mlops store at {db}: nothing was tracked under {settings.root}. "
                "Run this from the folder Jupyter serves (the store is <root>/.mlops), or pass --root FOLDER.")
    return None


UI_WORKERS = 1  # one person's UI: MLflow's default of 4 workers starts 4 servers (about twice the CPU)


def command(settings: Settings, host: str, port: int, workers: int = UI_WORKERS) -> list[str]:
    cmd = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", settings.tracking_uri,
           "--host", host, "--port", str(port), "--workers", str(workers)]
    if settings.embedded:  # runs' artifacts live under <state>/artifacts; new ones go there too
        cmd += ["--default-artifact-root", str(settings.artifact_root)]
    return cmd


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = START_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
                if reply.status == 200:
                    return True
        except (OSError, urllib.error.URLError):
            time.sleep(0.3)
    return False


def _stop(process: subprocess.Popen) -> None:
    import signal

    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except OSError:
            return  # already gone, with its group
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _terminated(signum, frame):
    raise KeyboardInterrupt  # `kill` stops the UI as Ctrl-C does, its server's process group too


def serve(settings: Settings, host: str, port: int, workers: int = UI_WORKERS) -> int:
    """Run the MLflow UI in the foreground until it stops, Ctrl-C or SIGTERM; its exit code."""
    import signal
    import threading

    from .store import prepare

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminated)
    prepare(settings)  # the embedded store's schema, as the kernel would make it
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    print(f"starting the MLflow UI on {settings.display_uri} ...", flush=True)
    # A session of its own, so stopping it stops the workers MLflow starts too.
    process = subprocess.Popen(command(settings, host, port, workers), start_new_session=True)
    record = settings.state_dir / RECORD_NAME
    try:
        if not wait_until_up(url, process):
            print(f"the MLflow UI did not start (exit code {process.poll()}); see its messages above. "
                  f"Is port {port} free? Try --port.", file=sys.stderr)
            return 1
        record.write_text(json.dumps({"url": url, "pid": process.pid}), encoding="utf-8")
        print(f"MLflow UI: {url}  (Ctrl-C stops it; JupyterLab's \"Open in MLflow UI\" links point here "
              "while it runs)", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(process)
        try:
            if json.loads(record.read_text(encoding="utf-8")).get("pid") == process.pid:
                record.unlink()
        except (OSError, ValueError):
            pass
        if previous is not None:  # a caller that is not this command gets its own handling back
            signal.signal(signal.SIGTERM, previous)
