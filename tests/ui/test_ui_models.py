"""In a real JupyterLab and a real browser: a model fitted in %%track cells, registered and
deployed from the notebook shows up in the sidebar's Models, Lineage and Deployments
sections; clicking lineage nodes leads to the run, and a killed scoring server turns
"stopped" without a reload."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request

import pytest
from playwright.sync_api import expect

MODEL = "churn"
CELLS = [
    ("load", "%load_ext jupyter_mlops"),
    ("setup", "import numpy as np, pandas as pd\n"
              "from sklearn.linear_model import LogisticRegression\n"
              "rng = np.random.default_rng(0)\n"
              "raw = pd.DataFrame({'a': rng.random(300), 'b': rng.random(300)})"),
    ("features", "%%track -q --name features\nX = raw[['a', 'b']] * 2\ny = (raw.a > 0.5).astype(int)"),
    ("fit", "%%track -q --name fit -m accuracy\nmodel = LogisticRegression().fit(X, y)\n"
            "accuracy = float(model.score(X, y))"),
    ("register", f"%register model --name {MODEL} --alias champion"),
    ("deploy", f"%deploy {MODEL}@champion"),
]
NOTEBOOK = "models.ipynb"


def notebook() -> dict:
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
                     "language_info": {"name": "python"}},
        "cells": [{"cell_type": "code", "id": f"{cell_id}-cell", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": source} for cell_id, source in CELLS],
    }


def api(lab: dict, path: str):
    with urllib.request.urlopen(f"{lab['url']}/jupyter-mlops/api/{path}?token={lab['token']}", timeout=30) as reply:
        return json.loads(reply.read())


@pytest.fixture
def no_server_left(lab):
    """Whatever the test did, no scoring server outlives it."""
    yield
    from jupyter_mlops.core.config import STATE_DIR_NAME, embedded_uri
    from jupyter_mlops.core.models import deploy, serving

    for d in deploy.deployments(embedded_uri(lab["root"] / STATE_DIR_NAME), check_health=False):
        serving.stop(d.pid, d.port)
        assert not serving.alive(d.pid, d.port), f"scoring server {d.pid} still runs"


def run_in_kernel(page, code: str) -> None:
    page.evaluate(
        """async (code) => {
          const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
          await kernel.requestExecute({ code }).done;
        }""",
        code,
    )


def section(sidebar, title: str):
    """The accordion section titled `title`, expanded."""
    header = sidebar.locator(".lm-AccordionPanel-title", has_text=title)
    if header.get_attribute("aria-expanded") != "true":
        header.click()
    expect(header).to_have_attribute("aria-expanded", "true")


def test_model_lineage_and_deployment_in_the_sidebar(lab_ui, lab, no_server_left):
    page = lab_ui.page
    (lab["root"] / NOTEBOOK).write_text(json.dumps(notebook(), indent=1))
    page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}?token={lab['token']}&reset")
    page.wait_for_function(lab_ui.NOTEBOOK_READY, arg=len(CELLS), timeout=90_000)
    sidebar = lab_ui.sidebar()
    lineage = sidebar.locator(".jp-mlops-lineage-section")
    expect(lineage).to_contain_text("Select a run or a model to see its lineage")

    lab_ui.command("notebook:run-all-cells")
    serving = page.locator(".jp-OutputArea-output").filter(has_text=f"Serving {MODEL}@champion")
    expect(serving).to_be_visible(timeout=180_000)
    # the server reuses a health-checked list for 2 s: a poll just before may hold the old one
    deadline = time.monotonic() + 90
    while not (listed := api(lab, "deployments")["deployments"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    [deployed] = listed
    assert deployed["status"] == "healthy", deployed
    version = api(lab, f"models/{MODEL}")["versions"][0]
    fit_run = version["run_id"]

    # Models: the model with its alias; expanded, the version with its source run
    section(sidebar, "Models")  # collapsed until wanted
    models = sidebar.locator(".jp-mlops-models-section")
    row = models.locator(f'.jp-mlops-model[data-model="{MODEL}"]')
    expect(row).to_be_visible(timeout=30_000)
    expect(row.locator(".jp-mlops-model-head .jp-mlops-alias")).to_have_text("@champion")
    row.locator(".jp-mlops-model-toggle").click()
    v1 = row.locator('.jp-mlops-version[data-version="1"]')
    expect(v1).to_be_visible(timeout=60_000)
    expect(v1.locator(".jp-mlops-alias")).to_have_text("@champion")
    expect(v1).to_contain_text("sklearn")
    expect(v1.locator(".jp-mlops-version-run")).to_have_text(fit_run[:12])
    expect(v1.locator(".jp-mlops-version-deployments .jp-mlops-endpoint")).to_have_attribute(
        "href", deployed["endpoint"])

    # Lineage of the model: dataset -> run -> ... -> alias -> deployment, all drawn
    row.locator(".jp-mlops-model-lineage").click()
    svg = lineage.locator("svg.jp-mlops-lineage-svg")
    expect(svg).to_be_visible(timeout=30_000)
    expect(lineage.locator(".jp-mlops-lineage")).to_have_attribute("data-subject", f"model {MODEL}")
    for kind in ("dataset", "run", "model_version", "registered_model", "alias", "deployment"):
        expect(svg.locator(f'.jp-mlops-lineage-node[data-kind="{kind}"]').first).to_be_visible()
    expect(svg.locator(f'[data-node-id="alias:{MODEL}@champion"]')).to_be_visible()
    expect(svg.locator(f'[data-node-id="deployment:{MODEL}:{deployed["port"]}"]')).to_have_attribute(
        "data-status", "healthy")
    expect(svg.locator(".jp-mlops-lineage-edge").first).to_be_attached()
    lab["artifacts"].mkdir(exist_ok=True)
    sidebar.screenshot(path=str(lab["artifacts"] / "lineage-model.png"))
    legend = lineage.locator(".jp-mlops-lineage-legend-box")
    legend.locator("summary").click()
    expect(legend.locator(".jp-mlops-lineage-legend")).to_contain_text("model version")
    lineage.screenshot(path=str(lab["artifacts"] / "lineage-legend.png"))
    legend.locator("summary").click()

    # Clicking the run node opens that run in the run detail section
    svg.locator(f'[data-node-id="run:{fit_run}"]').click()
    detail = sidebar.locator(".jp-mlops-detail")
    expect(detail).to_have_attribute("data-run-id", fit_run, timeout=60_000)
    expect(detail).to_contain_text("accuracy")
    expect(lineage.locator(".jp-mlops-lineage")).to_have_attribute("data-subject", f"model {MODEL}")  # kept

    # Lineage of the fitting run, picked in the runs table; the features run feeds it
    sidebar.locator(".jp-mlops-run", has_text="features").first.click()
    sidebar.locator(".jp-mlops-run", has_text="fit").first.click()
    expect(lineage.locator(".jp-mlops-lineage")).to_have_attribute("data-subject", f"run {fit_run[:8]}",
                                                                   timeout=60_000)
    for kind in ("dataset", "run", "logged_model", "model_version", "alias", "deployment"):
        expect(svg.locator(f'.jp-mlops-lineage-node[data-kind="{kind}"]').first).to_be_visible(timeout=60_000)
    assert svg.locator('.jp-mlops-lineage-node[data-kind="run"]').count() == 2  # features -> fit
    expect(svg.locator('.jp-mlops-lineage-edge[data-kind="feeds"]')).to_have_count(1)
    sidebar.screenshot(path=str(lab["artifacts"] / "lineage.png"))

    # A model version node selects the model in the Models section
    svg.locator(f'[data-node-id="model_version:{MODEL}/1"]').click()
    expect(v1).to_have_class("jp-mlops-version jp-mod-selected")

    # Deployments: healthy, the endpoint a link; the deployment node highlights it
    section(sidebar, "Deployments")
    item = sidebar.locator(f'.jp-mlops-deployment[data-key="{MODEL}:{deployed["port"]}"]')
    expect(item).to_have_attribute("data-status", "healthy", timeout=60_000)
    expect(item.locator(".jp-mlops-deployment-ref")).to_have_text(f"{MODEL}@champion")
    expect(item.locator(".jp-mlops-endpoint")).to_have_attribute("href", deployed["endpoint"])
    expect(item).to_contain_text(f"pid {deployed['pid']}")
    expect(item).to_contain_text("serves v1")
    svg.locator(f'[data-node-id="deployment:{MODEL}:{deployed["port"]}"]').click()
    expect(item).to_have_class("jp-mlops-deployment jp-mod-selected")
    expect(sidebar.locator(".jp-mlops-lineage-picked .jp-mlops-endpoint")).to_have_attribute(
        "href", deployed["endpoint"])
    sidebar.screenshot(path=str(lab["artifacts"] / "deployments.png"))

    # The scoring server dies: the badge turns stopped by polling, without a reload
    os.killpg(int(deployed["pid"]), signal.SIGKILL)
    killed = time.monotonic()
    expect(item).to_have_attribute("data-status", "stopped", timeout=90_000)
    print(f"shown stopped {time.monotonic() - killed:.1f} s after the kill")
    expect(item.locator(".jp-mlops-deploy-status")).to_have_text("stopped")
    expect(svg.locator(f'[data-node-id="deployment:{MODEL}:{deployed["port"]}"]')).to_have_attribute(
        "data-status", "stopped")
    sidebar.screenshot(path=str(lab["artifacts"] / "deployments-stopped.png"))

    # %undeploy removes the record: the section empties by itself
    run_in_kernel(page, f"%undeploy {MODEL}@champion")
    expect(sidebar.locator(".jp-mlops-deployments-section")).to_contain_text("Nothing deployed", timeout=30_000)
    assert api(lab, "deployments")["deployments"] == []
