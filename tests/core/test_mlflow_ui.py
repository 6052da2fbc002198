"""``jupyter-mlops ui``: the stock MLflow UI on the resolved store, found by the links."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from jupyter_mlops.core import mlflow_ui
from jupyter_mlops.core.config import resolve
from mlops_testing import client, free_port


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_ui_serves_the_resolved_store_and_links_find_it(mlops_root):
    client().create_experiment("churn.ipynb")
    port = free_port()
    # Ctrl-C in a terminal reaches a process whose SIGINT is the default.  A test worker may
    # ignore SIGINT (one did in a full run: SigIgn in its /proc status), and a child inherits
    # an ignored signal, so Ctrl-C would not reach this one.
    process = subprocess.Popen([sys.executable, "-m", "jupyter_mlops.cli", "ui", "--port", str(port)],
                               cwd=mlops_root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               preexec_fn=_default_sigint)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        lines = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if line.startswith("MLflow UI: ") or not line:
                break
        assert lines[-1].startswith(f"MLflow UI: {url}"), "".join(lines)
        with urllib.request.urlopen(f"{url}/ajax-api/2.0/mlflow/experiments/get-by-name"
                                    f"?experiment_name=churn.ipynb", timeout=30) as reply:
            assert json.load(reply)["experiment"]["name"] == "churn.ipynb"
        settings = resolve()
        assert mlflow_ui.running_ui(settings.state_dir) == url
        assert mlflow_ui.ui_url(settings) == url
        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(timeout=60) == 0
        assert mlflow_ui.running_ui(settings.state_dir) is None
        assert not (settings.state_dir / mlflow_ui.RECORD_NAME).exists()
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{url}/health", timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ui_refuses_a_store_that_was_never_created(tmp_path):
    env = {**os.environ, "JUPYTER_MLOPS_ROOT": str(tmp_path)}
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("JUPYTER_MLOPS_STATE_DIR", None)
    done = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "ui", "--port", str(free_port())],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "There is no jupyter-mlops store at" in done.stderr and "--root" in done.stderr
    assert not (tmp_path / ".mlops").exists()


def test_a_configured_ui_wins_and_a_dead_record_is_ignored(tmp_path):
    from jupyter_mlops.core.config import Settings

    settings = Settings("sqlite:///x.db", tmp_path, tmp_path, "", False)
    assert mlflow_ui.ui_url(settings) == ""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    (tmp_path / mlflow_ui.RECORD_NAME).write_text(json.dumps({"url": "http://127.0.0.1:1", "pid": process.pid}))
    assert mlflow_ui.ui_url(settings) == ""
    (tmp_path / mlflow_ui.RECORD_NAME).write_text(json.dumps({"url": "http://127.0.0.1:2/", "pid": os.getpid()}))
    assert mlflow_ui.ui_url(settings) == "http://127.0.0.1:2"
    configured = Settings("sqlite:///x.db", tmp_path, tmp_path, "http://ui.example", False)
    assert mlflow_ui.ui_url(configured) == "http://ui.example"


def test_ui_starts_one_server_worker_unless_asked(tmp_path):
    """One person's UI needs one worker; MLflow's default of four starts four servers."""
    from jupyter_mlops.core.config import Settings

    settings = Settings(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, tmp_path, "", True)
    one = mlflow_ui.command(settings, "127.0.0.1", 5000)
    assert one[one.index("--workers") + 1] == "1"
    three = mlflow_ui.command(settings, "127.0.0.1", 5000, workers=3)
    assert three[three.index("--workers") + 1] == "3"
    for bad in ("0", "-2", "many"):
        done = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "ui", "--workers", bad],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and f"expected a whole number of at least 1, not '{bad}'" in done.stderr
    assert not (tmp_path / ".mlops").exists()


STAND_IN = """
import sys
from pathlib import Path
from jupyter_mlops.core import mlflow_ui
from jupyter_mlops.core.config import resolve

# An HTTP server that answers /health stands in for `mlflow server`.
Path("health").write_text("ok")
mlflow_ui.command = lambda settings, host, port, workers: [sys.executable, "-m", "http.server", str(port),
                                                           "--bind", host]
sys.exit(mlflow_ui.serve(resolve(), "127.0.0.1", int(sys.argv[1])))
"""


def test_sigterm_stops_the_ui_and_its_server(mlops_root):
    """`kill` (SIGTERM) stops the UI as Ctrl-C does: its server's process group and its record."""
    client().create_experiment("churn.ipynb")  # the embedded store exists
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", STAND_IN, str(port)], cwd=mlops_root,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = None
    try:
        lines = [""]
        while not lines[-1].startswith("MLflow UI: "):
            lines.append(process.stdout.readline())
            assert lines[-1], lines  # it exited first
        server = json.loads((resolve().state_dir / mlflow_ui.RECORD_NAME).read_text())["pid"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert not os.path.exists(f"/proc/{server}")  # stopped and reaped by the UI before it exited
        assert not (resolve().state_dir / mlflow_ui.RECORD_NAME).exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if server is not None and os.path.exists(f"/proc/{server}"):
            os.killpg(server, signal.SIGKILL)  # the stand-in runs in a session of its own
