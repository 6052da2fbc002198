"""GET runs: paged by MLflow with page tokens, filtered and sorted on the server."""

import pytest


async def test_first_page_is_newest_first_with_summary_fields(api, seeded):
    status, body = await api("runs", experiment_id=seeded["experiment_id"])
    assert status == 200
    assert [r["run_name"] for r in body["runs"]] == ["third", "second", "first"]
    assert body["next_page_token"] is None
    third = body["runs"][0]
    assert third["status"] == "FAILED"
    assert third["notebook"] == "analysis/train.ipynb" and third["cell_id"] == "cell-abc"
    assert third["params"] == {"lr": "1"} and third["metrics"] == {"loss": 2.0}
    assert third["duration_ms"] is not None and third["duration_ms"] >= 0


async def test_pages_follow_mlflow_tokens_without_repeats(seed, api, mlflow_client):
    from jupyter_mlops.core import store

    experiment_id = store.experiment_id(mlflow_client, "many")
    made = {seed(mlflow_client, experiment_id, name=f"r{i}", metrics={"i": float(i)}) for i in range(12)}
    seen, token, pages = [], None, 0
    while True:
        params = {"experiment_id": experiment_id, "page_size": "5", "order_by": "metrics.i ASC"}
        if token:
            params["page_token"] = token
        status, body = await api("runs", **params)
        assert status == 200
        assert len(body["runs"]) <= 5
        seen += [r["run_id"] for r in body["runs"]]
        pages += 1
        token = body["next_page_token"]
        if not token:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 12 and set(seen) == made


async def test_filter_and_order_by_metric(api, seeded):
    status, body = await api(
        "runs", experiment_id=seeded["experiment_id"], filter="metrics.loss < 1.5", order_by="metrics.loss ASC"
    )
    assert status == 200
    assert [r["run_name"] for r in body["runs"]] == ["first", "second"]


async def test_filter_on_our_tags(api, seeded):
    status, body = await api("runs", experiment_id=seeded["experiment_id"], filter="params.lr = '0.01'")
    assert status == 200 and [r["run_name"] for r in body["runs"]] == ["second"]


@pytest.mark.parametrize(
    "params, code, words",
    [
        ({}, "invalid_parameter", "experiment_id"),
        ({"filter": "metrics.loss <<< 1"}, "invalid_filter", "Invalid filter"),
        ({"filter": "nonsense"}, "invalid_filter", "Invalid filter"),
        ({"filter": "params.lr > "}, "invalid_filter", "Invalid filter"),
        ({"order_by": "bogus.key DESC"}, "invalid_order_by", "Invalid order_by"),
        ({"order_by": "metrics.loss SIDEWAYS"}, "invalid_order_by", "Invalid order_by"),
        ({"page_size": "0"}, "invalid_parameter", "page_size"),
        ({"page_size": "100000"}, "invalid_parameter", "page_size"),
        ({"page_size": "ten"}, "invalid_parameter", "page_size"),
        ({"view": "sideways"}, "invalid_parameter", "view"),
        ({"page_token": "not-a-token"}, "invalid_parameter", ""),
        ({"experiment_id": "../../etc"}, "invalid_parameter", "experiment_id"),
    ],
)
async def test_bad_parameters_are_400_with_a_message(api, seeded, params, code, words):
    query = {"experiment_id": seeded["experiment_id"], **params}
    if params == {}:
        query = {}
    status, body = await api("runs", **query)
    assert status == 400, body
    assert body["code"] == code
    assert words in body["message"]


async def test_unknown_experiment_is_404(api, seeded):
    status, body = await api("runs", experiment_id="987654")
    assert status == 404 and body["code"] == "not_found"


async def test_deleted_runs_only_with_view_all(api, seeded, mlflow_client):
    mlflow_client.delete_run(seeded["runs"][0])
    _, active = await api("runs", experiment_id=seeded["experiment_id"])
    _, every = await api("runs", experiment_id=seeded["experiment_id"], view="all")
    assert len(active["runs"]) == 2 and len(every["runs"]) == 3


async def test_non_finite_metrics_are_null(seed, api, mlflow_client):
    from jupyter_mlops.core import store

    experiment_id = store.experiment_id(mlflow_client, "nan")
    seed(mlflow_client, experiment_id, metrics={"bad": float("nan"), "big": float("inf")})
    status, body = await api("runs", experiment_id=experiment_id)
    assert status == 200
    metrics = body["runs"][0]["metrics"]
    assert metrics["bad"] is None
    assert metrics["big"] is None or metrics["big"] > 1e300  # SQL stores clamp infinity
