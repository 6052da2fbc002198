"""A tracking store that does not answer: the handshake still works (credentials
hidden) and every data endpoint says 503 store_unavailable at once, never hangs."""

import json
import socket

import pytest


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["postgresql://alice:s3cr3t@127.0.0.1:{port}/mlflow", "http://bob:hunter2@127.0.0.1:{port}"])
def down_uri(request, monkeypatch):
    uri = request.param.format(port=closed_port())
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


@pytest.fixture
def jp_server_config(down_uri):
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}}}


async def test_settings_hide_credentials(api, down_uri):
    status, body = await api("settings")
    assert status == 200
    assert "***@127.0.0.1" in body["tracking_uri"]
    assert "s3cr3t" not in str(body) and "hunter2" not in str(body)


@pytest.mark.parametrize("endpoint", ["experiments", "runs?experiment_id=1", "runs/" + "a" * 32])
async def test_data_endpoints_are_503_quickly(jp_fetch, down_uri, endpoint):
    path, _, query = endpoint.partition("?")
    params = dict([query.split("=")]) if query else {}
    # Going through MLflow's HTTP retries or a database connect would take minutes: the
    # answer must come well within this generous limit (a timeout here fails the test).
    response = await jp_fetch("jupyter-mlops", "api", *path.split("/"), params=params, raise_error=False,
                              request_timeout=60)
    body = json.loads(response.body)
    assert response.code == 503 and body["code"] == "store_unavailable"
    assert "s3cr3t" not in body["message"] and "hunter2" not in body["message"]
    assert "MLFLOW_TRACKING_URI" in body["message"]
