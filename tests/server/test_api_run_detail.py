"""GET runs/{id} and runs/{id}/metrics/{key}."""

import json

from jupyter_mlops.core import names


async def test_detail_has_everything_the_panel_shows(api, seeded, ui_url):
    third = seeded["runs"][2]
    status, body = await api(f"runs/{third}")
    assert status == 200
    assert body["run_id"] == third and body["status"] == "FAILED"
    assert body["notebook"] == "analysis/train.ipynb" and body["cell_id"] == "cell-abc"
    assert body["params"] == {"lr": "1"} and body["metrics"] == {"loss": 2.0}
    assert body["tags"][names.KIND] == "cell"
    assert body["data_inputs"] == [{"name": "df", "digest": "ab" * 16, "kind": "pandas", "shape": [3, 2]}]
    assert {a["path"] for a in body["artifacts"]} >= {"mlops", names.ARTIFACT_CELL, names.ARTIFACT_STDOUT}
    assert body["cell_source"] == "x = 1\n"
    assert body["ui_url"] == f"{ui_url}/#/experiments/{seeded['experiment_id']}/runs/{third}"


async def test_truncated_source_is_read_from_the_artifact(api, seed, mlflow_client, seeded):
    whole = "y = 2\n" * 2000
    run_id = seed(mlflow_client, seeded["experiment_id"], source=whole[: names.MAX_TAG_VALUE])
    mlflow_client.log_text(run_id, whole, names.ARTIFACT_CELL)
    status, body = await api(f"runs/{run_id}")
    assert status == 200 and body["cell_source"] == whole


async def test_dataset_inputs_carry_their_digest(api, seeded, mlflow_client):
    from mlflow.entities import Dataset, DatasetInput, InputTag

    run_id = seeded["runs"][0]
    dataset = Dataset(name="train", digest="0123456789abcdef", source_type="code", source=json.dumps({}))
    tags = [InputTag(names.DATASET_CONTEXT, "training"), InputTag(names.DATASET_ROLE, "input")]
    mlflow_client.log_inputs(run_id, datasets=[DatasetInput(dataset, tags)])
    status, body = await api(f"runs/{run_id}")
    assert status == 200
    [found] = body["datasets"]
    assert found["name"] == "train" and found["digest"] == "0123456789abcdef"
    assert found["context"] == "training" and found["role"] == "input"


async def test_unknown_run_is_404(api, seeded):
    status, body = await api("runs/" + "f" * 32)
    assert status == 404 and body["code"] == "not_found"


async def test_malformed_run_id_is_400(api, seeded):
    status, body = await api("runs/bad%20id")
    assert status == 400 and body["code"] == "invalid_parameter"


async def test_metric_history_in_step_order(api, seeded):
    status, body = await api(f"runs/{seeded['runs'][0]}/metrics/loss")
    assert status == 200
    assert body["key"] == "loss" and body["total"] == 3
    assert [p["value"] for p in body["points"]] == [1.0, 0.5, 0.25]
    assert [p["step"] for p in body["points"]] == [0, 1, 2]


async def test_metric_history_is_downsampled_to_max_points(api, seed, mlflow_client, seeded):
    run_id = seed(mlflow_client, seeded["experiment_id"], metrics={"curve": [float(i) for i in range(50)]})
    status, body = await api(f"runs/{run_id}/metrics/curve", max_points="10")
    assert status == 200 and body["total"] == 50 and len(body["points"]) == 10
    assert body["points"][-1]["value"] == 49.0


async def test_metric_keys_with_slashes(api, seeded, mlflow_client):
    run_id = seeded["runs"][0]
    mlflow_client.log_metric(run_id, "val/loss", 0.3)
    status, body = await api(f"runs/{run_id}/metrics/val/loss")
    assert status == 200 and body["points"][0]["value"] == 0.3


async def test_unknown_metric_is_404_and_bad_max_points_400(api, seeded):
    run_id = seeded["runs"][0]
    status, body = await api(f"runs/{run_id}/metrics/nope")
    assert status == 404 and "nope" in body["message"]
    status, body = await api(f"runs/{run_id}/metrics/loss", max_points="1")
    assert status == 400 and "max_points" in body["message"]
