"""GET lineage, models, models/{name} and deployments against a real registered sklearn model."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mlops_testing import schema_keys  # noqa: E402 - one copy of the contract helpers


@pytest.fixture
def registered(mlflow_client, settings, seed):
    """Model "churn" v1 (@champion), a LogisticRegression logged by a tracked-looking run."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from jupyter_mlops.core import store
    from jupyter_mlops.core.models.registry import register_model

    experiment_id = store.experiment_id(mlflow_client, "analysis/train.ipynb")
    run_id = seed(mlflow_client, experiment_id, name="train", metrics={"accuracy": 0.9})
    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    model = LogisticRegression().fit(X, np.arange(20) % 2)
    register_model(model, "churn", tracking_uri=settings.tracking_uri, run_id=run_id, aliases=["champion"],
                   input_example=X.head(3), variable="model")
    return {"name": "churn", "run_id": run_id, "experiment_id": experiment_id}


def is_error(body, code: str) -> bool:
    return set(body) == {"code", "message"} and body["code"] == code and body["message"]


# -- models -------------------------------------------------------------------------------
async def test_models_list_detail_and_unknown(api, registered, mlflow_client):
    mlflow_client.create_registered_model("fraud")
    status, body = await api("models")
    assert status == 200 and body["next_page_token"] is None
    assert [m["name"] for m in body["models"]] == ["churn", "fraud"]
    churn = body["models"][0]
    assert set(churn) == schema_keys("ModelSummary")
    assert churn["aliases"] == {"champion": "1"} and churn["latest_version"] == "1"

    status, body = await api("models", filter="HUR")
    assert status == 200 and [m["name"] for m in body["models"]] == ["churn"]
    status, body = await api("models", filter="nothing-like-it")
    assert status == 200 and body["models"] == []
    status, first = await api("models", page_size="1")
    assert status == 200 and [m["name"] for m in first["models"]] == ["churn"] and first["next_page_token"]
    status, second = await api("models", page_size="1", page_token=first["next_page_token"])
    assert status == 200 and [m["name"] for m in second["models"]] == ["fraud"]

    status, detail = await api("models/churn")
    assert status == 200 and set(detail) == schema_keys("ModelDetail")
    [version] = detail["versions"]
    assert set(version) == schema_keys("ModelVersion")
    assert version["version"] == "1" and version["run_id"] == registered["run_id"]
    assert version["aliases"] == ["champion"] and version["model_id"]
    assert version["lineage"]["flavor"] == "sklearn" and version["lineage"]["variable"] == "model"

    mlflow_client.create_registered_model("team's churn")  # sent URL-encoded
    status, detail = await api("models/team's churn")
    assert status == 200 and detail["name"] == "team's churn" and detail["versions"] == []

    status, body = await api("models/no-such-model")
    assert status == 404 and is_error(body, "not_found") and "no-such-model" in body["message"]


@pytest.mark.parametrize("query", [{"page_size": "0"}, {"page_size": "many"}, {"page_size": "5000"},
                                   {"page_token": "not-a-token"}, {"filter": "x" * 600}])
async def test_models_bad_parameters_are_400(api, mlflow_client, query):
    status, body = await api("models", **query)
    assert status == 400 and body["code"] in ("invalid_parameter", "invalid_page_token"), body


# -- lineage ------------------------------------------------------------------------------
async def test_lineage_of_a_run_and_of_a_model(api, registered):
    run_id = registered["run_id"]
    status, graph = await api("lineage", run=run_id)
    assert status == 200 and set(graph) == schema_keys("LineageGraph")
    assert graph["root"] == {"kind": "run", "id": f"run:{run_id}"}
    ids = {node["id"] for node in graph["nodes"]}
    assert {f"run:{run_id}", "model_version:churn/1"} <= ids
    assert all(edge["source"] in ids and edge["target"] in ids for edge in graph["edges"])

    for ref in ("churn", "churn@champion", "churn/1"):
        status, graph = await api("lineage", model=ref)
        assert status == 200, (ref, graph)
        assert graph["root"] == {"kind": "model", "id": "model:churn"}
        kinds = {node["kind"] for node in graph["nodes"]}
        assert {"registered_model", "model_version", "run"} <= kinds, (ref, kinds)
    status, graph = await api("lineage", model="churn@champion")
    assert "alias:churn@champion" in {node["id"] for node in graph["nodes"]}


async def test_listing_experiments_indexes_them_for_lineage_in_the_background(api, registered, settings,
                                                                              jp_serverapp):
    """The sidebar's GET experiments gives the server a head start: by the time someone asks
    for lineage, the experiment's runs are indexed and the request pays only for the walk."""
    from jupyter_mlops.server import SERVICE_KEY

    cache = jp_serverapp.web_app.settings[SERVICE_KEY].lineage_cache  # the service owns the indexes
    status, _ = await api("experiments")
    assert status == 200
    index = cache.index(store_client(settings), registered["experiment_id"], refresh=False)
    deadline = time.monotonic() + 30
    while index.age == float("inf") and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert registered["run_id"] in index.runs  # built without any lineage request
    built = index.built
    status, graph = await api("lineage", model="churn")
    assert status == 200 and f"run:{registered['run_id']}" in {n["id"] for n in graph["nodes"]}
    assert index.built == built  # the request used the warm index, it did not rebuild


def store_client(settings):
    from jupyter_mlops.core import store

    return store.client(settings.tracking_uri)


@pytest.mark.parametrize("query, status", [
    ({}, 400),
    ({"run": "abc", "model": "churn"}, 400),
    ({"run": "not a run id"}, 400),
    ({"model": "@"}, 400),
    ({"run": "0" * 32}, 404),
    ({"model": "no-such-model"}, 404),
    ({"model": "no-such-model@champion"}, 404),
    ({"model": "churn@no-such-alias"}, 404),
    ({"model": "churn/99"}, 404),
])
async def test_lineage_bad_input(api, registered, query, status):
    got, body = await api("lineage", **query)
    assert got == status and is_error(body, "invalid_parameter" if status == 400 else "not_found"), body


# -- deployments --------------------------------------------------------------------------
class _Ping(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/ping" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def answering_endpoint():
    """Something on 127.0.0.1 that answers /ping like a scoring server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ping)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def record(client, port: int, pid: int, alias: str | None = "champion"):
    from jupyter_mlops.core.models import deploy

    deployment = deploy.Deployment(
        name="churn", version="1", alias=alias, ref="churn@champion" if alias else "churn/1",
        model_uri="models:/churn/1", endpoint=f"http://127.0.0.1:{port}", host="127.0.0.1", port=port, pid=pid,
        machine=socket.gethostname(), started=int(time.time() * 1000) - 60_000, log="/dev/null")
    deploy._record(client, deployment)


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_deployments_report_live_health_and_dead_servers_stopped(api, registered, mlflow_client,
                                                                        answering_endpoint):
    dead_port = unused_port()
    record(mlflow_client, dead_port, dead_pid())
    record(mlflow_client, answering_endpoint, dead_pid(), alias=None)
    status, body = await api("deployments")
    assert status == 200
    by_port = {d["port"]: d for d in body["deployments"]}
    assert set(by_port) == {dead_port, answering_endpoint}
    assert all(set(d) == schema_keys("Deployment") for d in body["deployments"])
    stopped, healthy = by_port[dead_port], by_port[answering_endpoint]
    assert (stopped["status"], stopped["uptime_s"], stopped["version"]) == ("stopped", None, "1")
    assert stopped["alias_version"] == "1"
    assert healthy["status"] == "healthy" and healthy["uptime_s"] >= 59

    status, body = await api("deployments", name="churn")
    assert status == 200 and len(body["deployments"]) == 2
    status, body = await api("deployments", name="fraud")
    assert status == 200 and body == {"deployments": []}

    status, graph = await api("lineage", model="churn")
    served = {n["port"]: n["status"] for n in graph["nodes"] if n["kind"] == "deployment"}
    assert served == {dead_port: "stopped", answering_endpoint: "healthy"}
    status, detail = await api("models/churn")
    assert {d["port"] for d in detail["versions"][0]["deployments"]} == {dead_port, answering_endpoint}


async def test_deployments_are_checked_once_for_many_panels(api, registered, mlflow_client, jp_serverapp,
                                                            monkeypatch):
    from jupyter_mlops.core.models import deploy
    from jupyter_mlops.server import model_service

    record(mlflow_client, unused_port(), dead_pid())
    calls = []
    real = deploy.list_deployments
    monkeypatch.setattr(deploy, "list_deployments", lambda *a, **k: calls.append(k) or real(*a, **k))
    answers = await asyncio.gather(*(api("deployments") for _ in range(8)))
    assert [status for status, _ in answers] == [200] * 8
    assert all(body == answers[0][1] for _, body in answers) and len(answers[0][1]["deployments"]) == 1
    assert len(calls) == 1 and calls[0]["check_health"] is True and calls[0]["timeout"] == 0.5
    await api("deployments", name="churn")  # another key: its own check
    assert len(calls) == 2

    service = jp_serverapp.web_app.settings["jupyter_mlops.service"]
    model_service.deployment_cache(service).ttl = 0.0  # expired: the next request checks again
    await api("deployments")
    assert len(calls) == 3


async def test_deployments_bad_name_is_400(api, mlflow_client):
    status, body = await api("deployments", name="x" * 600)
    assert status == 400 and is_error(body, "invalid_parameter")

