"""Two notebooks that load the same data: each one's copy comes from its own cell."""

from __future__ import annotations

import time

import numpy as np

import jupyter_mlops
from jupyter_mlops.core.config import resolve
from jupyter_mlops.core.lineage.graph import lineage_graph
from jupyter_mlops.core.tracking.session import get_session
from mlops_testing import client


def _tracked(name: str, experiment: str, role: str, data) -> str:
    with jupyter_mlops.track(name, experiment=experiment) as run:
        run.log_data("raw", data, role=role)
    time.sleep(0.01)  # distinct start times
    return run.key


def test_same_content_loaded_in_two_notebooks_is_not_one_feeding_the_other(mlops_root):
    raw = np.arange(60.0).reshape(20, 3)
    keys = {
        "b_load": _tracked("load", "b.ipynb", "output", raw),
        "a_load": _tracked("load", "a.ipynb", "output", raw),  # later, but another notebook
        "b_fit": _tracked("fit", "b.ipynb", "input", raw),
        "a_fit": _tracked("fit", "a.ipynb", "input", raw),
    }
    session = get_session(resolve())
    assert session.sync(timeout=120) == 0
    ids = {name: session.wait_for_run_id(key) for name, key in keys.items()}
    feeds = {(e["source"], e["target"]) for e in lineage_graph(client(), run_id=ids["b_fit"])["edges"]
             if e["kind"] == "feeds"}
    assert feeds == {(f"run:{ids['b_load']}", f"run:{ids['b_fit']}")}
    downstream = lineage_graph(client(), run_id=ids["a_load"])
    readers = {e["target"] for e in downstream["edges"] if e["kind"] == "feeds"}
    assert readers == {f"run:{ids['a_fit']}"}
