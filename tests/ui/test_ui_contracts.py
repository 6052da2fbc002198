"""In a real JupyterLab and a real browser: a tracked cell checks two frames against data
contracts (one violated, one met); the sidebar's run detail shows a badge per dataset with
the failing checks listed, and its lineage draws the dataset that failed apart, with a
tooltip saying so."""

from __future__ import annotations

import json

from playwright.sync_api import expect

CELLS = [
    ("load", "%load_ext jupyter_mlops"),
    ("setup", "import numpy as np, pandas as pd\n"
              "rng = np.random.default_rng(0)\n"
              "train = pd.DataFrame({'customer_id': np.arange(300), 'age': rng.integers(18, 90, 300),\n"
              "                      'plan': rng.choice(['basic', 'pro', 'team'], 300)})"),
    ("infer", "%contract train\n%contract train --name customers"),
    ("checked", "%%track -q --name checked --expect train:batch --expect customers:clean\n"
                "clean = train.sample(frac=0.5, random_state=1)\n"
                "batch = train.copy()\n"
                "batch.loc[3, 'plan'] = 'enterprise'\n"
                "batch.loc[5, 'age'] = 130"),
]
NOTEBOOK = "contracts.ipynb"


def notebook() -> dict:
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
                     "language_info": {"name": "python"}},
        "cells": [{"cell_type": "code", "id": f"{cell_id}-cell", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": source} for cell_id, source in CELLS],
    }


def test_contract_badges_in_run_detail_and_failed_datasets_in_lineage(lab_ui, lab):
    page = lab_ui.page
    (lab["root"] / NOTEBOOK).write_text(json.dumps(notebook(), indent=1))
    page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}?token={lab['token']}&reset")
    page.wait_for_function(lab_ui.NOTEBOOK_READY, arg=len(CELLS), timeout=90_000)
    sidebar = lab_ui.sidebar()
    lab_ui.command("notebook:run-all-cells")
    expect(page.locator(".jp-OutputArea-output").filter(has_text="batch violates contract 'train'")).to_be_visible(
        timeout=180_000)

    # Run detail: a badge per checked dataset; the violated one lists its failing checks
    run = sidebar.locator(".jp-mlops-run", has_text="checked").first
    expect(run).to_be_visible(timeout=120_000)
    run.click()
    detail = sidebar.locator(".jp-mlops-detail")
    expect(detail).to_be_visible(timeout=60_000)
    datasets = detail.locator(".jp-mlops-datasets")
    failed = datasets.locator('li[data-dataset="batch"] .jp-mlops-contract[data-contract="train"]')
    expect(failed).to_have_attribute("data-status", "failed", timeout=60_000)
    expect(failed).to_have_text("train: 2 failed checks")
    expect(failed).to_have_attribute("title", "batch violates contract train on 300 rows: 2 failing checks "
                                              "(contracts/train.yaml)")
    expect(failed.locator(".jp-mlops-contract-icon svg")).to_be_visible()
    batch_row = datasets.locator('li[data-dataset="batch"]')
    checks = batch_row.locator('.jp-mlops-contract-checks[data-contract="train"] li')
    expect(checks).to_have_count(2)
    categories = batch_row.locator('li[data-check="categories"][data-column="plan"]')
    expect(categories).to_contain_text("categories: column 'plan' has 1 values outside its 3 categories")
    expect(categories.locator(".jp-mlops-contract-row")).to_contain_text('row 3: ')
    expect(categories.locator(".jp-mlops-contract-row")).to_contain_text('plan="enterprise"')
    out_of_range = batch_row.locator('li[data-check="range"][data-column="age"]')
    expect(out_of_range).to_contain_text("range: column 'age' has 1 values outside")
    expect(out_of_range.locator(".jp-mlops-contract-row")).to_contain_text("age=130")
    passed = datasets.locator('li[data-dataset="clean"] .jp-mlops-contract[data-contract="customers"]')
    expect(passed).to_have_attribute("data-status", "passed")
    expect(passed).to_have_text("customers: passed")
    expect(datasets.locator('li[data-dataset="clean"] .jp-mlops-contract-checks')).to_have_count(0)
    expect(detail.locator("summary", has_text="Datasets")).to_contain_text("1 contract violated")
    lab["artifacts"].mkdir(exist_ok=True)
    datasets.screenshot(path=str(lab["artifacts"] / "contracts-run-detail.png"))

    # Lineage of that run: the dataset that failed is drawn apart, and says why
    lineage = sidebar.locator(".jp-mlops-lineage-section")
    svg = lineage.locator("svg.jp-mlops-lineage-svg")
    expect(svg).to_be_visible(timeout=60_000)
    bad = svg.locator('.jp-mlops-lineage-node[data-kind="dataset"][data-contract="failed"]')
    expect(bad).to_have_count(1, timeout=60_000)
    expect(bad).to_have_class("jp-mlops-lineage-node jp-mlops-lineage-kind-dataset "
                              "jp-mlops-lineage-shape-slanted jp-mlops-lineage-contract-failed")
    expect(bad.locator(".jp-mlops-lineage-contract-mark")).to_be_visible()
    tooltip = bad.locator("title")
    expect(tooltip).to_contain_text("dataset: batch")
    expect(tooltip).to_contain_text("FAILED its data contract")
    expect(tooltip).to_contain_text("contract train: failed")
    good = svg.locator('.jp-mlops-lineage-node[data-kind="dataset"][data-contract="passed"]')
    expect(good).to_have_count(1)
    expect(good.locator("title")).to_contain_text("contract customers: passed")
    expect(good.locator(".jp-mlops-lineage-contract-mark")).to_have_count(0)
    # the red outline is what sets it apart from the other datasets
    stroke = bad.locator(".jp-mlops-lineage-shape").evaluate("e => getComputedStyle(e).stroke")
    plain = good.locator(".jp-mlops-lineage-shape").evaluate("e => getComputedStyle(e).stroke")
    assert stroke != plain, (stroke, plain)
    legend = lineage.locator(".jp-mlops-lineage-legend-box")
    legend.locator("summary").click()
    expect(legend.locator(".jp-mlops-lineage-legend-contract")).to_contain_text("failed its data contract")
    legend.locator("summary").click()
    bad.click()
    expect(lineage.locator(".jp-mlops-lineage-picked")).to_contain_text("contract train failed")
    lineage.screenshot(path=str(lab["artifacts"] / "contracts-lineage.png"))
