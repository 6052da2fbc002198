"""How %deploy starts a server: whatever PATH the kernel has, with progress, options
checked before anything starts, a short error when the start fails, and nothing left
running or recorded after it."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import time
from pathlib import Path

import pytest
import requests
from IPython.core.error import UsageError

from mlops_testing import client, free_port


def predict_over_http(endpoint: str, frame) -> list:
    response = requests.post(f"{endpoint}/invocations", json={"dataframe_split": frame.to_dict(orient="split")},
                             timeout=30)
    response.raise_for_status()
    return response.json()["predictions"]


def scoring_servers_on(port: int) -> list[int]:
    """Pids of live processes whose command line is a scoring server on ``port``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        apps = {b"mlflow.pyfunc.scoring_server.app:app", b"jupyter_mlops.core.monitoring.scoring_app:app"}
        serves = apps & set(cmdline)
        if state != "Z" and serves and str(port).encode() in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_deploy_from_a_kernel_whose_path_lacks_its_environment(trained, servers, monkeypatch, capsys):
    """A kernelspec that names the venv's python by absolute path leaves its bin off PATH."""
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert shutil.which("uvicorn") is None and bin_dir not in os.environ["PATH"]
    capsys.readouterr()

    ip.run_line_magic("deploy", "churn@champion")
    out = capsys.readouterr().out
    # progress while it starts: a line per phase outside Jupyter
    assert "churn@champion: downloading models:/churn/1 ..." in out, out
    assert "churn@champion: waiting for MLflow's scoring server (pid " in out, out
    assert "Serving churn@champion (v1) at http://127.0.0.1:" in out, out
    assert "warning" not in out
    [deployment] = ip.run_line_magic("deployments", "").itertuples()
    X = ip.user_ns["X"].head(10)
    assert predict_over_http(deployment.endpoint, X) == ip.user_ns["model"].predict(X).tolist()
    with open(f"/proc/{deployment.pid}/environ", "rb") as environ:
        server_path = dict(v.split(b"=", 1) for v in environ.read().split(b"\0") if b"=" in v)[b"PATH"].decode()
    assert server_path.split(os.pathsep)[0] == bin_dir

    ip.run_line_magic("undeploy", "churn@champion")
    assert scoring_servers_on(deployment.port) == []
    assert not list((Path(".mlops") / "deployments").glob("*.model"))  # the downloaded model went with it


def test_bad_options_start_nothing(trained, servers):
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    cases = [
        ("--timeout nan", "--timeout nan is not a number of seconds"),
        ("--timeout inf", "--timeout inf is not a number of seconds"),
        ("--timeout 0", "--timeout 0.0 is not a number of seconds"),
        ("--timeout -5", "--timeout -5.0 is not a number of seconds"),
        ("--host example.com", "--host 'example.com' is not an IPv4 address"),
        ("--host 192.0.2.1", "--host 192.0.2.1 is not an address of this machine"),
        ("--port 0", "--port 0 is not a TCP port"),
    ]
    port = free_port()
    for options, message in cases:
        with pytest.raises(UsageError, match=message):
            line = f"churn@champion {options}" + ("" if "--port" in options else f" --port {port}")
            ip.run_line_magic("deploy", line)
    assert ip.run_line_magic("deployments", "") is None  # "No deployments: ..." and no table
    assert scoring_servers_on(port) == []
    assert "mlops.deployments" not in client().get_model_version("churn", "1").tags


@pytest.mark.slow
def test_a_failed_start_stops_its_process_group_and_leaves_no_record(trained, servers):
    """A server that is not up within --timeout: the error is short (the log's last lines
    and its path), the whole process group is stopped, nothing is recorded."""
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    port = free_port()
    with pytest.raises(UsageError) as failure:
        ip.run_line_magic("deploy", f"churn@champion --port {port} --timeout 0.5 -q")
    message = str(failure.value)
    assert f"churn@champion (v1) could not be served on port {port}: the model server did not answer" in message
    assert "Last lines of the server log:" in message and len(message) < 4000, message
    log = message.rsplit("Whole log: ", 1)[1].strip()
    assert Path(log).is_file() and log.endswith(f"churn-{port}.log")
    assert scoring_servers_on(port) == []
    time.sleep(3)  # a server left behind would be listening by now
    assert scoring_servers_on(port) == []
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert ip.run_line_magic("deployments", "") is None
    assert "mlops.deployments" not in client().get_model_version("churn", "1").tags
    assert not Path(log).with_suffix(".model").exists()


@pytest.mark.slow
def test_host_serves_beyond_the_machine_with_a_warning(trained, servers, capsys, monkeypatch):
    """Also: the model is downloaded from the kernel's store even when MLflow's fluent
    default would point elsewhere (no MLFLOW_TRACKING_URI)."""
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    ip.run_line_magic("deploy", "churn@champion --host 0.0.0.0 -q")
    out = capsys.readouterr().out
    assert "downloading" not in out  # -q: no progress
    assert "warning: listening on 0.0.0.0" in out and "no authentication" in out, out
    [row] = [d for d in client_deployments()]
    assert (row["host"], row["endpoint"], row["status"]) == ("0.0.0.0", f"http://127.0.0.1:{row['port']}", "healthy")
    X = ip.user_ns["X"].head(5)
    assert predict_over_http(row["endpoint"], X) == ip.user_ns["model"].predict(X).tolist()


def client_deployments() -> list[dict]:
    from jupyter_mlops.core.models.deploy import list_deployments

    return list_deployments(client(), check_health=True, timeout=2.0)
