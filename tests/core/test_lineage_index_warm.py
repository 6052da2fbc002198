"""The lineage index built ahead of need: LineageCache.warm() builds aside and swaps in,
readers keep answering meanwhile, and a renewed index drops what was deleted."""

from __future__ import annotations

import threading

import pytest

from jupyter_mlops.core import store
from jupyter_mlops.core.config import resolve
from jupyter_mlops.core.lineage import index as lineage_index


@pytest.fixture
def experiment(mlops_root):
    settings = resolve()
    store.prepare(settings)
    client = store.client(settings.tracking_uri)
    experiment_id = store.experiment_id(client, "warm.ipynb")
    ids = [client.create_run(experiment_id, run_name=f"r{i}").info.run_id for i in range(5)]
    return client, experiment_id, ids


@pytest.fixture
def cache():
    """What the server's service owns: a cache of lineage indexes."""
    return lineage_index.LineageCache()


def test_warm_builds_once_then_renews_only_what_readers_use(experiment, cache, monkeypatch):
    client, experiment_id, ids = experiment
    assert cache.warm(client, [(experiment_id, len(ids))]) == [experiment_id]
    index = cache.index(client, experiment_id, refresh=False)
    assert set(index.runs) == set(ids)
    assert cache.warm(client, [(experiment_id, len(ids))]) == []  # fresh: nothing to do

    client.delete_run(ids[0])
    monkeypatch.setattr(index, "built", index.built - lineage_index.WARM_AT - 1)
    assert cache.warm(client, [(experiment_id, len(ids))]) == []  # old, but nobody reads it
    index.refresh()  # a lineage request reads it (and, being within MAX_AGE, only updates it)
    assert ids[0] in index.runs
    assert cache.warm(client, [(experiment_id, len(ids))]) == [experiment_id]
    assert set(index.runs) == set(ids[1:])  # the renewed index no longer holds the deleted run


def test_warm_loads_at_most_its_budget_of_runs(experiment, cache, mlops_root):
    client, experiment_id, ids = experiment
    from jupyter_mlops.core import store

    other = store.experiment_id(client, "other.ipynb")
    client.create_run(other, run_name="only")
    # In order (the server lists the newest first): the big one does not fit, the small one does.
    assert cache.warm(client, [(experiment_id, len(ids)), (other, 1)], budget=3) == [other]
    assert cache.index(client, experiment_id, refresh=False).age == float("inf")
    assert cache.warm(client, [(experiment_id, len(ids)), (other, 1)], budget=6) == [experiment_id]


def test_readers_are_not_held_up_while_it_rebuilds(experiment, cache, monkeypatch):
    client, experiment_id, ids = experiment
    index = cache.index(client, experiment_id)  # built by a reader
    monkeypatch.setattr(index, "built", index.built - lineage_index.WARM_AT - 1)
    building, release = threading.Event(), threading.Event()
    original = lineage_index.ExperimentIndex._rebuild

    def slow_rebuild(self, *args):
        if self is not index:  # the aside copy warm() builds
            building.set()
            assert release.wait(120)
        original(self, *args)

    monkeypatch.setattr(lineage_index.ExperimentIndex, "_rebuild", slow_rebuild)
    warmer = threading.Thread(target=cache.warm, args=(client, [(experiment_id, len(ids))]))
    warmer.start()
    assert building.wait(120)
    # a reader gets the index while the copy builds (the copy waits for `release`, so a
    # reader held up by it would wait out this generous limit)
    acquired = index.lock.acquire(timeout=60)
    assert acquired
    index.lock.release()
    assert set(index.runs) == set(ids)
    release.set()
    warmer.join(120)
    assert index.age < lineage_index.WARM_AT


def test_priming_the_graph_queries_matches_nothing_and_raises_nothing(experiment):
    from jupyter_mlops.core.lineage.graph import prime

    client, experiment_id, ids = experiment
    prime(client)  # an empty registry, runs without datasets: each query answers empty
    assert client.search_registered_models() == []
