"""The gateway's filter strings match exactly the value asked for, whatever it holds.

MLflow's filter grammar has no escapes; these run against a real SQLite store, since only
MLflow's own parser can tell whether a quoting scheme works.
"""

from __future__ import annotations

import pytest
from mlflow import MlflowClient

from jupyter_mlops.core import store
from jupyter_mlops.core.errors import InvalidInput, NotFound
from mlops_testing import install_store

AWKWARD = [
    "O'Brien's notebook.ipynb",
    'say "hi".ipynb',
    "both ' and \" quotes",
    "50%_off",
    "a_b",
    "a%b",
    "naïve 数据 ✓",
    "back\\slash",
    "plain",
]


@pytest.fixture
def client(tmp_path, store_template):
    uri = f"sqlite:///{install_store(store_template, tmp_path / 'm.db')}"
    store.prepare_uri(uri)
    return MlflowClient(uri, registry_uri=uri)


def test_quote_round_trips_or_says_it_cannot():
    assert store.quote("it's") == '"it\'s"'
    assert store.quote('say "x"') == "'say \"x\"'"
    assert store.quote("both ' \"") is None
    assert store.quote("back\\slash") == "'back\\slash'"


@pytest.mark.parametrize("value", AWKWARD)
def test_tag_equality_matches_exactly_one_run(client, value):
    exp = client.create_experiment("e")
    for other in AWKWARD:
        client.create_run(exp, tags={"mlops.notebook": other})
    # near misses that a LIKE fallback or a wildcard would also match
    for near in {value + "x", value.replace("'", "_").replace('"', "_")} - set(AWKWARD):
        client.create_run(exp, tags={"mlops.notebook": near})
    found = list(store.iter_runs(client, [exp], store.equals(store.tag("mlops.notebook"), value)))
    assert [r.data.tags["mlops.notebook"] for r in found] == [value]
    one = store.find_run(client, [exp], store.equals(store.tag("mlops.notebook"), value))
    assert one is not None and one.data.tags["mlops.notebook"] == value


@pytest.mark.parametrize("value", AWKWARD)
def test_model_versions_by_name_match_exactly(client, value):
    exp = client.create_experiment("e")
    run = client.create_run(exp)
    for name in (value, value + "x", value.replace("'", "_").replace('"', "_")):
        if name in [m.name for m in client.search_registered_models()]:
            continue
        client.create_registered_model(name)
        client.create_model_version(name, f"runs:/{run.info.run_id}/m", run_id=run.info.run_id)
    found = store.model_versions(client, store.equals("name", value))
    assert [v.name for v in found] == [value]


def test_iter_runs_pages_and_limits(client):
    exp = client.create_experiment("e")
    for i in range(7):
        client.create_run(exp, tags={"k": "v"}, start_time=1000 + i)
    clause = store.equals(store.tag("k"), "v")
    assert len(list(store.iter_runs(client, [exp], clause, page_size=3))) == 7
    assert len(list(store.iter_runs(client, [exp], clause, page_size=3, limit=5))) == 5
    assert list(store.iter_runs(client, [], clause)) == []


def test_one_of_refuses_a_value_it_cannot_write():
    assert store.one_of("run_id", ["a", "b"]).text == "run_id IN ('a', 'b')"
    with pytest.raises(InvalidInput):
        store.one_of("run_id", ["both ' \""])


def test_experiment_activity_counts_on_sql(client):
    a, b = client.create_experiment("a"), client.create_experiment("b")
    for _ in range(3):
        client.create_run(a)
    activity = store.experiment_activity(client, [a, b])
    assert activity[a].run_count == 3 and activity[a].last_activity and not activity[a].capped
    assert activity[b].run_count == 0


def test_check_filter_says_what_is_wrong_in_plain_words():
    assert store.check_filter("  metrics.acc > 0.5 ") == "metrics.acc > 0.5"
    with pytest.raises(store.InvalidQuery) as bad:
        store.check_filter("nonsense.x = 1")
    assert "{" not in str(bad.value)  # MLflow's set repr is listed plainly
    with pytest.raises(store.InvalidQuery):
        store.check_order_by("metrics.acc SIDEWAYS")


def test_get_run_not_found_is_a_not_found(client):
    with pytest.raises(NotFound):
        store.get_run(client, "0" * 32)
    assert store.run_or_none(client, "0" * 32) is None
    assert store.registered_model_or_none(client, "nope") is None


def test_lineage_and_models_of_a_model_named_with_quotes(client):
    from jupyter_mlops.core.lineage.graph import lineage_graph
    from jupyter_mlops.core.models.catalog import model_detail

    exp = client.create_experiment("e")
    run = client.create_run(exp)
    for name in ("it's", "it_s"):
        client.create_registered_model(name)
        client.create_model_version(name, f"runs:/{run.info.run_id}/m", run_id=run.info.run_id)
    assert [v["version"] for v in model_detail(client, "it's")["versions"]] == ["1"]
    graph = lineage_graph(client, model="it's")
    versions = [n for n in graph["nodes"] if n["kind"] == "model_version"]
    assert [n.get("name") for n in versions] == ["it's"]


def test_importing_the_gateway_does_not_import_mlflow():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import sys, jupyter_mlops.core.store; print('mlflow' in sys.modules)"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
