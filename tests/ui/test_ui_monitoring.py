"""In a real JupyterLab and a real browser: a model fitted in %%track cells, registered and
deployed from the notebook, receives shifted traffic; the server's scheduled drift check
(every 2 s here, c.Monitoring.check_interval_seconds) raises an alert, and the Deployments
section shows the request rate, latency p50/p95, the alert badge and drift bars; clicking
a drifted feature overlays its live and reference distributions and names the cell and
dataset the reference came from, with Go to cell."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import numpy as np
import pytest
import requests
from playwright.sync_api import expect

from .conftest import Frontend, start_frontend

MODEL = "churn"
NOTEBOOK = "monitored.ipynb"
CELLS = [
    ("load", "%load_ext jupyter_mlops"),
    ("setup", "import numpy as np, pandas as pd\n"
              "from sklearn.linear_model import LogisticRegression\n"
              "rng = np.random.default_rng(0)\n"
              "raw = pd.DataFrame({'a': rng.normal(0, 1, 3000), 'b': rng.normal(5, 2, 3000),\n"
              "                    'plan': rng.choice([0, 1, 2, 3], 3000, p=[0.4, 0.3, 0.2, 0.1])})"),
    ("features", "%%track -q --name features\nX = raw[['a', 'b', 'plan']].copy()\n"
                 "y = (raw.a + 0.2 * raw.b > 1).astype(int)"),
    ("fit", "%%track -q --name fit\nmodel = LogisticRegression().fit(X, y)"),
    ("register", f"%register model --name {MODEL} --alias champion"),
    ("deploy", f"%deploy {MODEL}@champion"),
]


def notebook() -> dict:
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
                     "language_info": {"name": "python"}},
        "cells": [{"cell_type": "code", "id": f"{cell_id}-cell", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": source} for cell_id, source in CELLS],
    }


@pytest.fixture(scope="module")
def monitored_lab(tmp_path_factory, store_template):
    """JupyterLab whose server extension checks every deployment every 2 s."""
    config = tmp_path_factory.mktemp("monitor-config")
    (config / "jupyter_server_config.json").write_text(json.dumps({"Monitoring": {"check_interval_seconds": 2}}))
    yield from start_frontend(tmp_path_factory.mktemp("monitor-lab"), "jupyterlab",
                              {"JUPYTER_CONFIG_PATH": str(config)}, store=store_template)


@pytest.fixture
def ui(page, monitored_lab):
    return Frontend(page, monitored_lab, "lab/tree")


@pytest.fixture
def no_server_left(monitored_lab):
    yield
    from jupyter_mlops.core.config import STATE_DIR_NAME, embedded_uri
    from jupyter_mlops.core.models import deploy, serving

    for d in deploy.deployments(embedded_uri(monitored_lab["root"] / STATE_DIR_NAME), check_health=False):
        serving.stop(d.pid, d.port)


def api(lab: dict, path: str):
    with urllib.request.urlopen(f"{lab['url']}/jupyter-mlops/api/{path}?token={lab['token']}", timeout=30) as reply:
        return json.loads(reply.read())


def send_shifted(endpoint: str, n: int) -> None:
    rng = np.random.default_rng(1)
    with requests.Session() as session:
        for a, b, plan in zip(rng.normal(1.0, 1, n), rng.normal(5, 2, n),
                              rng.choice([0, 1, 2, 3], n, p=[0.1, 0.2, 0.3, 0.4]), strict=True):
            body = {"dataframe_split": {"columns": ["a", "b", "plan"], "data": [[a, b, int(plan)]]}}
            assert session.post(f"{endpoint}/invocations", json=body, timeout=30).status_code == 200


def test_drift_alert_bars_and_overlay_in_the_sidebar(ui, monitored_lab, no_server_left):
    lab, page = monitored_lab, ui.page
    (lab["root"] / NOTEBOOK).write_text(json.dumps(notebook(), indent=1))
    page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}?token={lab['token']}&reset")
    page.wait_for_function(ui.NOTEBOOK_READY, arg=len(CELLS), timeout=90_000)
    sidebar = ui.sidebar()
    ui.command("notebook:run-all-cells")
    expect(page.locator(".jp-OutputArea-output").filter(has_text=f"Serving {MODEL}@champion")).to_be_visible(
        timeout=180_000)
    deadline = time.monotonic() + 90
    while not (listed := api(lab, "deployments")["deployments"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    [deployed] = listed
    key = f"{MODEL}:{deployed['port']}"

    send_shifted(deployed["endpoint"], 400)

    for title, wanted in (("Experiments and runs", "false"), ("Run detail", "false"), ("Lineage", "false"),
                          ("Deployments", "true")):  # room for the deployment in the screenshot
        header = sidebar.locator(".lm-AccordionPanel-title", has_text=title)
        if header.get_attribute("aria-expanded") != wanted:
            header.click()
        expect(header).to_have_attribute("aria-expanded", wanted)
    item = sidebar.locator(f'.jp-mlops-deployment[data-key="{key}"]')
    # the scheduled check (not a request) raises the alert; the poll brings it
    badge = item.locator(".jp-mlops-alert-badge")
    expect(badge).to_have_attribute("data-status", "alert", timeout=120_000)
    reply = api(lab, f"deployments/{key}/monitoring")
    assert reply["alert"]["status"] == "alert" and reply["requests"]["count"] == 400
    expect(badge).to_have_text(f"drift: {len(reply['alert']['drifted'])}")
    expect(item.locator(".jp-mlops-monitor-rate")).to_have_text(re.compile(r"^\d+(\.\d)? req/(s|min)$"))
    expect(item.locator(".jp-mlops-monitor-latency")).to_have_text(
        re.compile(r"^p50 \d+(\.\d+)? ms · p95 \d+(\.\d+)? ms$"))

    # drift bars, one per feature and the prediction, the drifted ones marked
    rows = item.locator(".jp-mlops-drift-row")
    expect(rows).to_have_count(4)
    expect(item.locator('.jp-mlops-drift-row[data-feature="a"]')).to_have_attribute("data-drifted", "true")
    expect(item.locator('.jp-mlops-drift-row[data-feature="plan"]')).to_have_attribute("data-drifted", "true")
    expect(item.locator('.jp-mlops-drift-row[data-feature="b"]')).to_have_attribute("data-drifted", "false")
    full = item.locator('.jp-mlops-drift-row[data-feature="a"] .jp-mlops-drift-bar')
    assert full.evaluate("el => el.style.width") == "100%"  # far past its threshold (the middle mark)

    # click the drifted feature: live over reference, and where the reference came from
    item.locator('.jp-mlops-drift-row[data-feature="a"]').click()
    detail = item.locator('.jp-mlops-feature-detail[data-feature="a"]')
    expect(detail.locator("rect.jp-mlops-overlay-live")).to_have_count(20)
    expect(detail.locator("rect.jp-mlops-overlay-reference")).to_have_count(20)
    expect(detail).to_contain_text("live (400 rows)")
    expect(detail).to_contain_text("reference (3000 rows)")
    source = detail.locator(".jp-mlops-reference-source")
    expect(source).to_contain_text("Reference: X, 3000 rows")
    expect(source).to_contain_text("dataset X (")
    expect(source).to_contain_text(f"cell fit-cell of {NOTEBOOK}")
    item.screenshot(path=str(lab["artifacts"] / "monitoring.png"))

    ui.select_cell(0)
    source.locator(".jp-mlops-goto-reference").click()
    ui.wait_for_active_cell("fit-cell")

    # a categorical feature swaps the overlay; clicking it again closes it
    item.locator('.jp-mlops-drift-row[data-feature="plan"]').click()
    plan = item.locator('.jp-mlops-feature-detail[data-feature="plan"]')
    expect(plan.locator("rect.jp-mlops-overlay-live")).to_have_count(4)
    expect(plan.locator(".jp-mlops-overlay-axis")).to_have_text("0 · 1 · 2 · 3")
    item.locator('.jp-mlops-drift-row[data-feature="plan"]').click()
    expect(item.locator(".jp-mlops-feature-detail")).to_have_count(0)
