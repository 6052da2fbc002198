"""%deploy / %deployments / %undeploy with MLflow's real scoring server, over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest
import requests
from IPython.core.error import UsageError

from mlops_testing import client, free_port, run


def predict_over_http(endpoint: str, frame) -> list:
    response = requests.post(f"{endpoint}/invocations", json={"dataframe_split": frame.to_dict(orient="split")},
                             timeout=30)
    response.raise_for_status()
    return response.json()["predictions"]


def only_deployment(ip):
    frame = ip.run_line_magic("deployments", "")
    assert len(frame) == 1, frame
    return frame.iloc[0]


@pytest.mark.slow
def test_deploy_serves_rolls_out_and_reports_a_dead_server_stopped(trained, servers, capsys):
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    port = free_port()
    ip.run_line_magic("deploy", f"churn@champion --port {port}")
    assert f"Serving churn@champion (v1) at http://127.0.0.1:{port}" in capsys.readouterr().out
    X = ip.user_ns["X"].head(20)
    assert predict_over_http(f"http://127.0.0.1:{port}", X) == ip.user_ns["model"].predict(X).tolist()
    row = only_deployment(ip)
    assert (row.status, row.version, row.endpoint) == ("healthy", "1", f"http://127.0.0.1:{port}")
    record = client().get_model_version("churn", "1").tags
    assert record["mlops.deployments"] == str(port) and f"mlops.deployment.{port}" in record

    # the port is taken by this deployment: another model version may not have it
    with pytest.raises(UsageError, match=f"Port {port} .* in use by churn@champion"):
        ip.run_line_magic("deploy", f"churn/1 --port {port}")
    assert len(ip.run_line_magic("deployments", "")) == 1

    # move the alias, deploy again: the new version replaces the old one on the same port
    run(ip, "%%track -q\nmodel = LogisticRegression(C=0.01).fit(X, y)")
    ip.run_line_magic("register", "model --name churn --alias champion")
    row = only_deployment(ip)
    assert (row.version, row.alias_version) == ("1", "2")  # the alias moved; v1 still serves
    ip.run_line_magic("deploy", "churn@champion")
    row = only_deployment(ip)
    assert (row.status, row.version, row.endpoint) == ("healthy", "2", f"http://127.0.0.1:{port}")
    assert predict_over_http(row.endpoint, X) == ip.user_ns["model"].predict(X).tolist()
    assert "mlops.deployments" not in client().get_model_version("churn", "1").tags
    from jupyter_mlops.core.lineage.graph import lineage_graph

    graph = lineage_graph(client(), model="churn")
    [served] = [n for n in graph["nodes"] if n["kind"] == "deployment"]
    assert served["version"] == "2" and served["status"] == "running"
    assert {"source": "alias:churn@champion", "target": served["id"], "kind": "serves"} in graph["edges"]

    # the server dies: shown stopped, not healthy; %undeploy removes the record
    os.killpg(int(row.pid), signal.SIGKILL)
    deadline = time.monotonic() + 60
    while only_deployment(ip).status != "stopped" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert only_deployment(ip).status == "stopped"
    ip.run_line_magic("undeploy", "churn@champion")
    assert ip.run_line_magic("deployments", "") is None
    assert "mlops.deployments" not in client().get_model_version("churn", "2").tags


@pytest.mark.slow
def test_bad_deploy_input_starts_nothing(trained, servers):
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    cases = [
        ("nosuch@champion", "No registered model 'nosuch' \\(registered: churn\\)"),
        ("churn@prod", "Model 'churn' has no alias 'prod' \\(@champion -> v1\\)"),
        ("churn/7", "Model 'churn' has no version 7"),
        ("churn", "Say which version"),
        ("@x", "not a model reference"),
        ("churn@champion --port 70000", "not a TCP port"),
    ]
    for line, message in cases:
        with pytest.raises(UsageError, match=message):
            ip.run_line_magic("deploy", line)
    with socket.socket() as taken:  # a port some other program holds
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"Port {port} on 127.0.0.1 is in use; choose another --port"):
            ip.run_line_magic("deploy", f"churn@champion --port {port}")
    assert ip.run_line_magic("deployments", "") is None
    assert "mlops.deployments" not in client().get_model_version("churn", "1").tags


@pytest.mark.slow
def test_a_version_that_cannot_be_served_leaves_the_previous_one_serving(trained, servers, mlops_root):
    """v2 is a model whose class only this kernel can import: its server dies at start,
    the error says why, and v1 is serving again on the same port."""
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    ip.run_line_magic("deploy", "churn@champion")
    port = only_deployment(ip).port
    kernel_only = mlops_root / "kernel_only"
    kernel_only.mkdir()
    (kernel_only / "echo_model.py").write_text("class Echo:\n    def predict(self, frame):\n        return frame\n")
    run(ip, f"import sys\nsys.path.insert(0, {str(kernel_only)!r})\nfrom echo_model import Echo\necho = Echo()")
    try:
        ip.run_line_magic("register", "echo --name churn --alias champion --example X")
        with pytest.raises(UsageError, match=r"(?s)churn@champion \(v2\) could not be served.*"
                                             r"The previous server \(v1\) is serving again"):
            ip.run_line_magic("deploy", "churn@champion")
    finally:
        run(ip, f"sys.path.remove({str(kernel_only)!r})")
    row = only_deployment(ip)
    assert (row.status, row.version, row.port, row.alias_version) == ("healthy", "1", port, "2")


def test_records_not_the_port_list_say_what_is_deployed(mlops_root):
    """Two kernels writing the searchable port list at once can leave it stale; the
    per-port records are the truth, and every later write rebuilds the list from them."""
    from jupyter_mlops.core import names, store
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.models import deploy

    settings = resolve()
    store.prepare(settings)
    mlflow = store.client(settings.tracking_uri)
    mlflow.create_registered_model("churn")
    mlflow.create_model_version("churn", str(mlops_root / "no-model"), run_id=None)

    def record(port: int) -> deploy.Deployment:
        return deploy.Deployment(name="churn", version="1", alias=None, ref="churn/1", model_uri="models:/churn/1",
                                 endpoint=f"http://127.0.0.1:{port}", host="127.0.0.1", port=port, pid=2**22 + port,
                                 machine="elsewhere", started=0, log="")

    first, second = record(5101), record(5102)
    deploy._record(mlflow, first)
    deploy._record(mlflow, second)
    # The other kernel's list write landed last and missed the second port.
    mlflow.set_model_version_tag("churn", "1", names.DEPLOYMENTS, "5101")
    deploy._stop(mlflow, first)  # "elsewhere": only the record goes, no process is touched
    assert mlflow.get_model_version("churn", "1").tags[names.DEPLOYMENTS] == "5102"
    listed = deploy.deployments(mlflow, check_health=False)
    assert [(d.port, d.status) for d in listed] == [(5102, "unknown")]
    deploy._stop(mlflow, second)
    assert names.DEPLOYMENTS not in mlflow.get_model_version("churn", "1").tags
    assert deploy.deployments(mlflow, check_health=False) == []
