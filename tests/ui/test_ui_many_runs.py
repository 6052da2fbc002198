"""10,000 runs: the table stays virtualised (a few dozen rows in the DOM) and pages in
from the server as it scrolls."""

from __future__ import annotations

from playwright.sync_api import expect

EXPERIMENT = "many/runs.ipynb"


def test_ten_thousand_runs_scroll_virtualised(lab_ui, lab, seeder):
    page = lab_ui.page
    seeder(lab["root"], EXPERIMENT, 10_000)
    page.goto(f"{lab['url']}/lab?token={lab['token']}&reset")
    page.wait_for_function("() => !!window.jupyterapp", timeout=60_000)
    sidebar = lab_ui.sidebar()
    picker = sidebar.locator(".jp-mlops-experiment")
    expect(picker.locator("option", has_text=EXPERIMENT)).to_have_count(1, timeout=30_000)
    expect(picker.locator("option", has_text=EXPERIMENT)).to_contain_text("10000 runs")
    picker.select_option(label=picker.locator("option", has_text=EXPERIMENT).inner_text())
    rows = sidebar.locator(".jp-mlops-run")
    expect(rows.first).to_contain_text("seeded-09999", timeout=60_000)
    assert rows.count() < 80

    scroller = sidebar.locator(".jp-mlops-scroller")
    loaded = lambda: page.evaluate(  # noqa: E731
        "() => document.querySelector('#jupyter-mlops-sidebar .jp-mlops-table').getAttribute('aria-rowcount')"
    )
    before = int(loaded())
    for _ in range(5):
        scroller.evaluate("node => { node.scrollTop = node.scrollHeight; }")
        page.wait_for_timeout(400)
    expect(sidebar.locator(".jp-mlops-table")).not_to_have_attribute("aria-rowcount", str(before))
    assert int(loaded()) > before
    assert rows.count() < 80  # still only what is in view

    # Sorting is done by the server: ascending start time shows the oldest run first.
    sidebar.locator('[role="columnheader"]', has_text="Started").click()
    expect(rows.first).to_contain_text("seeded-00000", timeout=60_000)
    lab["artifacts"].mkdir(exist_ok=True)
    sidebar.screenshot(path=str(lab["artifacts"] / "sidebar-10000-runs.png"))
