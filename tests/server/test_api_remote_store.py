"""The same API over a shared ``mlflow server`` (PostgreSQL, proxied artifacts): counts
without SQL access, paging through the REST store, artifacts downloaded, not opened."""

import uuid

import pytest

from jupyter_mlops.core import names

pytestmark = pytest.mark.postgres


@pytest.fixture
def remote(mlflow_server, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.url)
    return mlflow_server


@pytest.fixture
def jp_server_config(remote):
    # Depending on `remote` sets MLFLOW_TRACKING_URI before the extension loads.
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}}}


@pytest.fixture
def remote_seeded(remote, seed):
    from jupyter_mlops.core import store

    client = store.client(remote.url)
    experiment_id = store.experiment_id(client, f"remote/{uuid.uuid4().hex[:8]}.ipynb")
    runs = [seed(client, experiment_id, name=f"r{i}", metrics={"loss": [1.0 / (i + 1)]}) for i in range(7)]
    client.log_text(runs[-1], "remote stdout\n", names.ARTIFACT_STDOUT)
    return {"client": client, "experiment_id": experiment_id, "runs": runs}


async def test_settings_show_the_remote_store(api, remote):
    status, body = await api("settings")
    assert status == 200 and body["tracking_uri"] == remote.url and body["embedded_store"] is False


async def test_counts_and_pages_over_rest(api, remote_seeded):
    _, body = await api("experiments")
    row = next(e for e in body["experiments"] if e["experiment_id"] == remote_seeded["experiment_id"])
    assert row["run_count"] == 7 and row["run_count_capped"] is False and row["last_activity"]
    seen, token = [], None
    while True:
        params = {"experiment_id": remote_seeded["experiment_id"], "page_size": "3"}
        if token:
            params["page_token"] = token
        status, page = await api("runs", **params)
        assert status == 200
        seen += [r["run_id"] for r in page["runs"]]
        token = page["next_page_token"]
        if not token:
            break
    assert sorted(seen) == sorted(remote_seeded["runs"])


async def test_bad_filter_is_400_over_rest(api, remote_seeded):
    status, body = await api("runs", experiment_id=remote_seeded["experiment_id"], filter="metrics.loss <<< 1")
    assert status == 400 and body["code"] == "invalid_filter"


async def test_detail_and_downloaded_artifact(api, remote_seeded):
    run_id = remote_seeded["runs"][-1]
    status, detail = await api(f"runs/{run_id}")
    assert status == 200 and detail["metrics"]["loss"] == pytest.approx(1 / 7)
    assert names.ARTIFACT_STDOUT in [a["path"] for a in detail["artifacts"]]
    status, body = await api(f"runs/{run_id}/artifact", path=names.ARTIFACT_STDOUT)
    assert status == 200 and body["content"] == "remote stdout\n"
    for bad in ("../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "%2e%2e/x"):
        status, _ = await api(f"runs/{run_id}/artifact", path=bad)
        assert 400 <= status < 500, bad


async def test_unknown_run_is_404_over_rest(api, remote):
    status, body = await api("runs/" + "0" * 32)
    assert status == 404 and body["code"] == "not_found"
