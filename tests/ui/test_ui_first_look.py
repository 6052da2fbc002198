"""In a real JupyterLab at 1440x900: the sidebar's first look (runs visible, sections
sized), a readable filter error, the comparison of runs, and inline ``%lineage`` whole."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

NOTEBOOK = "compare.ipynb"
MODEL = "churn"


def fit_cell(name: str, c: float) -> str:
    return (f"%%track --name {name} -m accuracy\nimport mlflow\nC = {c}\n"
            "model = LogisticRegression(C=C).fit(raw[['a', 'b']], raw.a > 0.5)\n"
            "for step in range(6):\n    mlflow.log_metric('loss', C / (step + 1), step=step)\n"
            "mlflow.log_metric('auc', 0.5 + C / 4)\n"
            "accuracy = float(model.score(raw[['a', 'b']], raw.a > 0.5))")


CELLS = [
    ("load", "%load_ext jupyter_mlops"),
    ("setup", "import numpy as np, pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
              "rng = np.random.default_rng(0)\nraw = pd.DataFrame({'a': rng.random(200), 'b': rng.random(200)})"),
    ("fit-a", fit_cell("fit-a", 0.1)),
    ("fit-b", fit_cell("fit-b", 1.0)),
    ("fit-c", fit_cell("fit-c", 2.0)),
    ("register", f"%register model --name {MODEL} --alias champion"),
    ("lineage", f"%lineage {MODEL}"),
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
def ran(browser, lab):
    """The notebook, run once; its runs are in the store for every test of this module."""
    (lab["root"] / NOTEBOOK).write_text(json.dumps(notebook(), indent=1))
    return lab


@pytest.fixture
def wide(page):
    page.set_viewport_size({"width": 1440, "height": 900})
    return page


def open_and_run(lab_ui, lab, page):
    page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}?token={lab['token']}&reset")
    page.wait_for_function(lab_ui.NOTEBOOK_READY, arg=len(CELLS), timeout=90_000)
    lab_ui.command("notebook:run-all-cells")
    expect(page.locator(".jp-mlops-lineage-inline").first).to_be_visible(timeout=180_000)


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def test_first_open_shows_the_runs(lab_ui, ran, wide):
    page, lab = wide, ran
    open_and_run(lab_ui, lab, page)
    lab["artifacts"].mkdir(exist_ok=True)

    # Inline %lineage: drawn whole (model, version, alias), not clipped by the output box
    inline = page.locator(".jp-mlops-lineage-inline").first
    inline.scroll_into_view_if_needed()
    drawing = inline.locator("svg")
    for text in (f"{MODEL} v1", "@champion", "fit-c"):
        expect(drawing).to_contain_text(text)
    frame, drawn = box(inline), box(drawing)
    assert drawn["height"] <= frame["height"] + 1 and drawn["width"] <= frame["width"] + 1, (drawn, frame)
    assert drawn["height"] > 60, drawn  # drawn at its size, not squashed into a strip
    assert inline.evaluate("e => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1")
    inline.screenshot(path=str(lab["artifacts"] / "lineage-inline.png"))

    sidebar = lab_ui.sidebar()
    rows = sidebar.locator(".jp-mlops-run")
    expect(rows).to_have_count(3, timeout=90_000)
    scroller = sidebar.locator(".jp-mlops-runs-section .jp-mlops-scroller")
    section = box(sidebar.locator(".jp-mlops-runs-section"))
    for i in range(3):  # every row inside the section's visible box
        row = box(rows.nth(i))
        assert row["y"] + row["height"] <= section["y"] + section["height"] + 1, (row, section)
    assert box(scroller)["height"] >= 4 * 26, box(scroller)
    page.screenshot(path=str(lab["artifacts"] / "first-look.png"))

    # A run picked: its lineage opens fitted to the panel, nothing cut off
    rows.filter(has_text="fit-c").first.click()
    graph = sidebar.locator(".jp-mlops-lineage-section svg.jp-mlops-lineage-svg")
    expect(graph.locator('.jp-mlops-lineage-node[data-kind="alias"]')).to_be_visible(timeout=60_000)
    view = sidebar.locator(".jp-mlops-lineage-scroller")
    page.wait_for_function(
        "e => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1",
        arg=view.element_handle(), timeout=30_000)
    page.screenshot(path=str(lab["artifacts"] / "first-look-run.png"))

    # The summary under a tracked cell opens its run in the sidebar
    summary = page.locator(".jp-mlops-run-summary", has_text="fit-a")
    summary.scroll_into_view_if_needed()
    summary.locator("b").click()
    detail = sidebar.locator(".jp-mlops-detail")
    expect(detail).to_contain_text("fit-a", timeout=60_000)
    expect(detail.locator(".jp-mlops-metric-single").first).to_contain_text("one point")  # logged once

    # Models and Deployments opened: the runs keep real room
    for title in ("Models", "Deployments"):
        header = sidebar.locator(".lm-AccordionPanel-title", has_text=title)
        header.click()
        expect(header).to_have_attribute("aria-expanded", "true")
    page.wait_for_timeout(500)  # the sections' new sizes are laid out on the next frame
    section = box(sidebar.locator(".jp-mlops-runs-section"))
    for i in range(3):  # still every row inside the section's visible box
        row = box(rows.nth(i))
        assert row["y"] + row["height"] <= section["y"] + section["height"] + 1, (row, section)
    page.screenshot(path=str(lab["artifacts"] / "first-look-all-open.png"))


def test_bad_filter_reads_plainly(lab_ui, ran, wide):
    page, lab = wide, ran
    page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}?token={lab['token']}&reset")
    page.wait_for_function(lab_ui.NOTEBOOK_READY, arg=len(CELLS), timeout=90_000)
    sidebar = lab_ui.sidebar()
    expect(sidebar.locator(".jp-mlops-run").first).to_be_visible(timeout=60_000)
    box_ = sidebar.locator(".jp-mlops-filter")
    box_.fill("foo.bar = 1")
    box_.press("Enter")
    error = sidebar.locator(".jp-mlops-filter-error")
    expect(error).to_contain_text("Valid values are metric, parameter, tag")
    for repr_ in ("[", "{", "'metric'"):
        assert repr_ not in error.inner_text()
    expect(error.locator(".jp-mlops-filter-hint")).to_contain_text("Use MLflow search syntax")
    sidebar.screenshot(path=str(lab["artifacts"] / "filter-error.png"))


def test_compare_runs(lab_ui, ran, wide):
    page, lab = wide, ran
    page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}?token={lab['token']}&reset")
    page.wait_for_function(lab_ui.NOTEBOOK_READY, arg=len(CELLS), timeout=90_000)
    sidebar = lab_ui.sidebar()
    rows = sidebar.locator(".jp-mlops-run")
    expect(rows).to_have_count(3, timeout=60_000)
    button = sidebar.locator(".jp-mlops-compare-button")
    expect(button).to_be_disabled()
    for name in ("fit-a", "fit-b", "fit-c"):
        rows.filter(has_text=name).locator(".jp-mlops-tick").check()
    expect(button).to_have_text("Compare (3)")
    button.click()
    view = page.locator(".jp-mlops-compare")
    expect(view.locator("thead th[data-run-id]")).to_have_count(3, timeout=60_000)
    expect(view.locator('.jp-mlops-compare-params tr[data-key="C"]')).to_have_class("jp-mod-differs ")
    expect(view.locator('.jp-mlops-compare-params tr[data-key="C"]')).to_contain_text("0.1")
    expect(view.locator('.jp-mlops-compare-metrics tr[data-key="accuracy"]')).to_be_visible()
    # the metric most runs have, alphabetically first: accuracy (one point each)
    view.locator(".jp-mlops-compare-metric").select_option("loss")
    expect(view.locator(".jp-mlops-compare-legend")).to_have_count(3, timeout=30_000)
    expect(view.locator(".jp-mlops-compare-legend").first).to_contain_text("6 points")
    expect(view.locator(".jp-mlops-compare-line path")).to_have_count(3)
    expect(view.locator(".jp-mlops-compare-bars g[data-run-id]")).to_have_count(3)
    page.screenshot(path=str(lab["artifacts"] / "compare.png"))
