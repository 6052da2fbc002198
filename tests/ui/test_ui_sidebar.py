"""In a real JupyterLab and a real browser: a %%track cell's run shows up in the sidebar,
its detail opens, and "Go to cell" selects the cell that made it."""

from __future__ import annotations

import time

from playwright.sync_api import expect


def test_tracked_run_appears_and_go_to_cell_selects_it(lab_ui, lab):
    page = lab_ui.page
    lab_ui.open_notebook()
    page.locator('.lm-TabBar-tab[data-id="jupyter-mlops-sidebar"]').click()  # the panel's own icon
    sidebar = page.locator("#jupyter-mlops-sidebar")
    expect(sidebar).to_be_visible()
    expect(sidebar).to_contain_text("No tracked runs yet", timeout=30_000)

    lab_ui.command("notebook:run-all-cells")
    expect(page.locator(".jp-OutputArea-output").filter(has_text="result 42")).to_be_visible(timeout=60_000)

    # The run reaches MLflow in the background and the poll brings it into the table,
    # with no click on Refresh: within seconds (the limit is generous for a loaded CI machine).
    finished = time.monotonic()
    row = sidebar.locator(".jp-mlops-run").first
    expect(row).to_be_visible(timeout=60_000)
    print(f"run visible in the sidebar {time.monotonic() - finished:.1f} s after the cell finished")
    expect(sidebar.locator(".jp-mlops-experiment")).to_contain_text(lab["notebook"])
    expect(row).to_contain_text("quickstart")

    row.click()
    detail = sidebar.locator(".jp-mlops-detail")
    expect(detail).to_be_visible(timeout=60_000)
    expect(detail.locator(".jp-mlops-source")).to_contain_text("result = x + 1")
    expect(detail).to_contain_text("lr")
    expect(detail).to_contain_text("FINISHED", timeout=60_000)
    run_id = detail.get_attribute("data-run-id")
    expect(detail.locator(".jp-mlops-open-ui")).to_have_attribute(
        "href", f"{lab['ui_url']}/#/experiments/1/runs/{run_id}"
    )

    # Move away from the tracked cell, then let the sidebar bring us back to it.
    lab_ui.select_cell(0)
    assert lab_ui.active_cell_id() == "load-ext-cell"
    detail.locator(".jp-mlops-goto").click()
    lab_ui.wait_for_active_cell(lab["tracked_cell_id"])
    expect(page.locator(".jp-Notebook .jp-Cell.jp-mod-active")).to_contain_text("%%track")
    expect(sidebar.locator(".jp-mlops-goto-message")).to_have_count(0)

    lab["artifacts"].mkdir(exist_ok=True)
    sidebar.screenshot(path=str(lab["artifacts"] / "sidebar.png"))
    page.screenshot(path=str(lab["artifacts"] / "jupyterlab.png"))


def test_bad_filter_reads_as_an_error_and_clears(lab_ui):
    lab_ui.open_notebook()
    sidebar = lab_ui.sidebar()
    expect(sidebar.locator(".jp-mlops-run").first).to_be_visible(timeout=30_000)
    box = sidebar.locator(".jp-mlops-filter")
    box.fill("metrics.result >>> 3")
    box.press("Enter")
    error = sidebar.locator(".jp-mlops-filter-error")
    expect(error).to_contain_text("Invalid filter")
    box.fill("params.lr = '0.1'")
    box.press("Enter")
    expect(error).to_have_count(0)
    expect(sidebar.locator(".jp-mlops-run").first).to_be_visible()


def test_go_to_a_deleted_cell_says_so(lab_ui):
    lab_ui.open_notebook()
    sidebar = lab_ui.sidebar()
    row = sidebar.locator(".jp-mlops-run").first
    expect(row).to_be_visible(timeout=30_000)
    lab_ui.select_cell(2)
    lab_ui.command("notebook:delete-cell")
    lab_ui.page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.widgets.length === 3")
    row.click()
    detail = sidebar.locator(".jp-mlops-detail")
    expect(detail).to_be_visible(timeout=60_000)
    detail.locator(".jp-mlops-goto").click()
    expect(sidebar.locator(".jp-mlops-goto-message")).to_contain_text("no longer in")
