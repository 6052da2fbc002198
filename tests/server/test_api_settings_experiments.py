"""GET settings (version handshake) and GET experiments (counts, activity, internal)."""

import os

import mlflow

from jupyter_mlops import __version__
from jupyter_mlops.core import names
from jupyter_mlops.core.config import ENV_ROOT, ENV_TRACKING_URI


async def test_settings_reports_versions_and_store(api, settings, ui_url):
    status, body = await api("settings", api_version="1", client_version="0.1.0")
    assert status == 200
    assert body["server_version"] == __version__
    assert body["mlflow_version"] == mlflow.__version__
    assert body["api_version"] == "1" and body["compatible"] is True
    assert body["tracking_uri"] == settings.tracking_uri
    assert body["embedded_store"] is True
    assert body["ui_url"] == ui_url


async def test_settings_flags_an_incompatible_client(api):
    status, body = await api("settings", api_version="99")
    assert status == 200
    assert body["compatible"] is False
    assert "reinstall" in body["message"]


async def test_load_exports_the_store_to_kernels(jp_serverapp, settings, jp_root_dir):
    # Kernels inherit os.environ, so they resolve the store the sidebar reads.
    assert os.environ[ENV_TRACKING_URI] == settings.tracking_uri
    assert os.environ[ENV_ROOT] == str(jp_root_dir)


async def test_experiments_have_counts_and_activity(api, seeded, mlflow_client):
    from jupyter_mlops.core import store

    store.experiment_id(mlflow_client, "empty")
    status, body = await api("experiments")
    assert status == 200
    rows = {row["name"]: row for row in body["experiments"]}
    train = rows["analysis/train.ipynb"]
    assert train["run_count"] == 3 and train["run_count_capped"] is False
    newest = max(mlflow_client.get_run(r).info.end_time for r in seeded["runs"])
    assert train["last_activity"] == newest
    assert rows["empty"]["run_count"] == 0
    activity = [row["last_activity"] for row in body["experiments"]]
    assert activity == sorted(activity, reverse=True)  # most recent first


async def test_deleted_runs_are_not_counted(api, seeded, mlflow_client):
    mlflow_client.delete_run(seeded["runs"][0])
    _, body = await api("experiments")
    train = next(r for r in body["experiments"] if r["name"] == "analysis/train.ipynb")
    assert train["run_count"] == 2


async def test_internal_experiments_are_hidden_unless_asked(seed, api, mlflow_client):
    from jupyter_mlops.core import store

    internal = store.experiment_id(mlflow_client, names.ENVIRONMENTS_EXPERIMENT)
    seed(mlflow_client, internal, name="env")
    _, hidden = await api("experiments")
    assert names.ENVIRONMENTS_EXPERIMENT not in [e["name"] for e in hidden["experiments"]]
    _, shown = await api("experiments", include_internal="true")
    row = next(e for e in shown["experiments"] if e["name"] == names.ENVIRONMENTS_EXPERIMENT)
    assert row["internal"] is True and row["run_count"] == 1


async def test_experiments_bad_flag_is_400(api):
    status, body = await api("experiments", include_internal="maybe")
    assert status == 400
    assert body["code"] == "invalid_parameter" and "include_internal" in body["message"]


async def test_unknown_api_path_is_json_404(api):
    status, body = await api("no/such/endpoint")
    assert status == 404
    assert body["code"] == "not_found"
