"""The same sidebar in Jupyter Notebook 7: the run of a %%track cell shows up and
"Go to cell" selects that cell."""

from __future__ import annotations

from playwright.sync_api import expect


def test_sidebar_works_in_notebook_7(nb7_ui, notebook7):
    page = nb7_ui.page
    nb7_ui.open_notebook()
    sidebar = nb7_ui.sidebar()
    nb7_ui.command("notebook:run-all-cells")
    expect(page.locator(".jp-OutputArea-output").filter(has_text="result 42")).to_be_visible(timeout=60_000)

    row = sidebar.locator(".jp-mlops-run").first
    expect(row).to_be_visible(timeout=30_000)
    row.click()
    detail = sidebar.locator(".jp-mlops-detail")
    expect(detail.locator(".jp-mlops-source")).to_contain_text("result = x + 1", timeout=60_000)

    nb7_ui.select_cell(0)
    detail.locator(".jp-mlops-goto").click()
    nb7_ui.wait_for_active_cell(notebook7["tracked_cell_id"])
    notebook7["artifacts"].mkdir(exist_ok=True)
    page.screenshot(path=str(notebook7["artifacts"] / "notebook7.png"))
