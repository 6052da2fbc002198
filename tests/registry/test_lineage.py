"""Lineage graphs from real tracked cells: datasets -> runs -> models -> versions -> aliases."""

from __future__ import annotations

import json

import pytest
import requests
from IPython.core.error import UsageError

from jupyter_mlops.core.config import resolve
from jupyter_mlops.core.lineage.graph import lineage_graph
from jupyter_mlops.core.models.serving import alive
from jupyter_mlops.core.tracking.fingerprint import fingerprint
from jupyter_mlops.core.tracking.session import get_session
from mlops_testing import client, run


def run_id_of(variable: str) -> str:
    session = get_session(resolve())
    return session.wait_for_run_id(session.writers[variable])


def by_kind(graph: dict, kind: str) -> list[dict]:
    return [n for n in graph["nodes"] if n["kind"] == kind]


def edges(graph: dict, kind: str) -> set[tuple[str, str]]:
    return {(e["source"], e["target"]) for e in graph["edges"] if e["kind"] == kind}


def test_model_lineage_reaches_back_through_the_runs_that_made_its_data(trained):
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    features_run, fit_run = run_id_of("X"), run_id_of("model")
    graph = lineage_graph(client(), model="churn")
    json.dumps(graph)  # plain JSON for the REST API
    assert graph["root"] == {"kind": "model", "id": "model:churn"}
    assert {n["run_id"] for n in by_kind(graph, "run")} == {features_run, fit_run}
    x_digest = fingerprint(ip.user_ns["X"]).digest
    assert (f"run:{features_run}", f"dataset:{x_digest}") in edges(graph, "output")
    assert (f"dataset:{x_digest}", f"run:{fit_run}") in edges(graph, "input")
    assert (f"run:{features_run}", f"run:{fit_run}") in edges(graph, "feeds")
    [logged] = by_kind(graph, "logged_model")
    assert (f"run:{fit_run}", logged["id"]) in edges(graph, "logged")
    assert (logged["id"], "model_version:churn/1") in edges(graph, "registered")
    assert ("model_version:churn/1", "alias:churn@champion") in edges(graph, "alias")
    [version] = by_kind(graph, "model_version")
    assert version["aliases"] == ["champion"] and version["run_id"] == fit_run
    # the raw frame came from an untracked cell: it is an input of the first run, produced by none
    raw = fingerprint(ip.user_ns["raw"]).digest
    assert (f"dataset:{raw}", f"run:{features_run}") in edges(graph, "input")
    assert not any(target == f"dataset:{raw}" for _, target in edges(graph, "output"))


@pytest.mark.slow
def test_run_lineage_goes_downstream_to_versions_and_deployments(trained, servers):
    """Also: a deployment of NAME/VERSION, and %undeploy of a live server."""
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    ip.run_line_magic("deploy", "churn/1")
    features_run, fit_run = run_id_of("X"), run_id_of("model")
    graph = lineage_graph(resolve().tracking_uri, run_id=features_run, check_health=True, health_timeout=3)
    assert graph["root"] == {"kind": "run", "id": f"run:{features_run}"}
    assert (f"run:{features_run}", f"run:{fit_run}") in edges(graph, "feeds")
    assert "model_version:churn/1" in {n["id"] for n in graph["nodes"]}
    [server] = by_kind(graph, "deployment")
    assert (server["status"], server["ref"], server["version"]) == ("healthy", "churn/1", "1")
    assert ("model_version:churn/1", server["id"]) in edges(graph, "serves")

    ip.run_line_magic("undeploy", f"--port {server['port']}")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server['endpoint']}/ping", timeout=2)
    assert not alive(server["pid"])
    assert ip.run_line_magic("deployments", "") is None
    with pytest.raises(UsageError, match="No deployment of churn"):
        ip.run_line_magic("undeploy", "churn")


@pytest.mark.slow
def test_a_retrained_model_links_to_the_latest_producer_only(trained):
    """Also: runs written after the index was built show up (the sidebar polls)."""
    ip = trained
    ip.run_line_magic("register", "model --name churn")
    first = lineage_graph(client(), model="churn/1")
    assert {n["label"] for n in by_kind(first, "run")} == {"features", "fit"}
    # the features cell runs again on the same data: same fingerprint, a newer producer
    run(ip, "%%track -q --name features_again\nX = raw[['a', 'b']] * 2\ny = (raw.a > 0.5).astype(int)")
    again = run_id_of("X")
    run(ip, "%%track -q --name refit\nmodel = LogisticRegression(C=0.5).fit(X, y)")
    ip.run_line_magic("register", "model --name churn")
    graph = lineage_graph(client(), model="churn/2")
    runs = {n["label"]: n["run_id"] for n in by_kind(graph, "run")}
    assert set(runs) == {"features_again", "refit"} and runs["features_again"] == again
    whole = lineage_graph(client(), model="churn")
    assert {n["label"] for n in by_kind(whole, "run")} == {"features", "fit", "features_again", "refit"}


def test_lineage_magic_draws_the_graph(trained, capsys):
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    ip.run_line_magic("lineage", "churn")
    session = get_session(resolve())
    built = {key: index.built for key, index in session.lineage_cache._indexes.items()}
    assert built  # the kernel's session keeps the indexes between %lineage calls
    ip.run_line_magic("lineage", run_id_of("model"))
    graph = ip.run_line_magic("lineage", "churn@champion --json")
    assert {n["kind"] for n in graph["nodes"]} >= {"dataset", "run", "logged_model", "model_version", "alias"}
    assert all(session.lineage_cache._indexes[key].built == at for key, at in built.items())  # reused, not rebuilt
    with pytest.raises(UsageError, match="No registered model 'nosuch'"):
        ip.run_line_magic("lineage", "nosuch")
    with pytest.raises(UsageError, match="No run"):
        ip.run_line_magic("lineage", "0" * 32)


@pytest.mark.slow
def test_lineage_view_renders_svg(trained):
    from jupyter_mlops.kernel.lineage_view import lineage_html, lineage_text

    trained.run_line_magic("register", "model --name churn --alias champion")
    graph = lineage_graph(client(), model="churn")
    page = lineage_html(graph)
    assert page.count("<rect") == len(graph["nodes"]) and "@champion" in page and "churn v1" in page
    assert "-[alias]-> @champion" in lineage_text(graph)


@pytest.mark.slow
def test_lineage_crosses_experiments(ip):
    """Data written in one experiment (notebook) and read in another links both ways."""
    run(ip, "import numpy as np, pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"
            "raw = pd.DataFrame({'a': np.arange(50.0), 'b': np.arange(50.0) % 7})")
    run(ip, "%%track -q -e prep --name prepare\nfeatures = raw * 3")
    run(ip, "%%track -q -e train --name fit\nreg = LinearRegression().fit(features[['a']], features.b)")
    ip.run_line_magic("register", "reg --name other")
    prepare, fit = run_id_of("features"), run_id_of("reg")
    assert client().get_run(prepare).info.experiment_id != client().get_run(fit).info.experiment_id
    upstream = lineage_graph(client(), model="other")
    assert (f"run:{prepare}", f"run:{fit}") in edges(upstream, "feeds")
    downstream = lineage_graph(client(), run_id=prepare)
    assert (f"run:{prepare}", f"run:{fit}") in edges(downstream, "feeds")
    assert "model_version:other/1" in {n["id"] for n in downstream["nodes"]}
