"""GET compare: several runs side by side and one metric's histories, in one request."""

import json

import pytest

from mlops_testing import schema_keys


@pytest.fixture
def compare(jp_fetch):
    """GET compare with repeated run_id parameters; returns (status, json body)."""

    async def get(run_id: list[str], **params):
        pairs = [("run_id", r) for r in run_id] + list(params.items())
        response = await jp_fetch("jupyter-mlops", "api", "compare", params=pairs, raise_error=False,
                                  request_timeout=120)
        return response.code, json.loads(response.body or b"null")

    return get


async def test_runs_side_by_side_with_differences_first(compare, seeded):
    first, second, third = seeded["runs"]
    status, body = await compare(run_id=[first, second, third], metric="loss")
    assert status == 200
    assert set(body) == schema_keys("Comparison")
    assert [r["run_id"] for r in body["runs"]] == [first, second, third]
    assert body["params"] == [{"key": "lr", "values": ["0.1", "0.01", "1"], "differs": True}]
    [loss] = body["metrics"]
    assert loss == {"key": "loss", "values": [0.25, 0.8, 2.0], "differs": True}
    assert body["metric"] == "loss"
    histories = {h["run_id"]: h for h in body["histories"]}
    assert [p["value"] for p in histories[first]["points"]] == [1.0, 0.5, 0.25]
    assert histories[third]["total"] == 1 and histories[third]["key"] == "loss"


async def test_the_common_metric_is_charted_by_default_and_missing_keys_are_null(compare, seed, mlflow_client, seeded):
    experiment_id = seeded["experiment_id"]
    a = seed(mlflow_client, experiment_id, name="a", params={"C": "1", "kind": "rf"}, metrics={"acc": [0.5, 0.7]})
    b = seed(mlflow_client, experiment_id, name="b", params={"C": "1"}, metrics={"acc": [0.9], "auc": [0.8]})
    status, body = await compare(run_id=[a, b])
    assert status == 200
    assert body["metric"] == "acc"
    assert body["params"] == [{"key": "kind", "values": ["rf", None], "differs": True},
                              {"key": "C", "values": ["1", "1"], "differs": False}]
    assert {m["key"]: m["values"] for m in body["metrics"]} == {"acc": [0.7, 0.9], "auc": [None, 0.8]}
    assert [len(h["points"]) for h in body["histories"]] == [2, 1]


async def test_bad_requests(compare, seeded):
    first, second, _ = seeded["runs"]
    for run_ids in ([first], [first, first], []):
        status, body = await compare(run_id=run_ids)
        assert status == 400 and "2 to 20" in body["message"], body
    status, body = await compare(run_id=[first, "not/an id"])
    assert status in (400, 404)
    status, body = await compare(run_id=[first, "bad id!"])
    assert status == 400 and body["code"] == "invalid_parameter", body
    status, body = await compare(run_id=[f"r{i}" for i in range(21)])
    assert status == 400
    status, body = await compare(run_id=[first, "0" * 32])
    assert status == 404 and "0" * 32 in body["message"]
    status, body = await compare(run_id=[first, second], metric="nope")
    assert status == 404 and "nope" in body["message"]
