"""In a real JupyterLab: track a cell, rename the notebook (JupyterLab's Rename dialog), then
move it into a folder. The runs follow: new runs land beside the earlier ones under the new
name, the sidebar keeps showing them, and "Go to cell" opens the renamed notebook."""

from __future__ import annotations

from playwright.sync_api import expect

RENAMED = "iris_flow.ipynb"
MOVED = "flows/iris_flow.ipynb"


def run_tracked_cell(lab_ui, expected_rows: int, sidebar) -> None:
    lab_ui.select_cell(2)
    lab_ui.command("notebook:run-cell")
    expect(sidebar.locator(".jp-mlops-run")).to_have_count(expected_rows, timeout=90_000)


def test_renamed_and_moved_notebook_keeps_its_runs(lab_ui, lab):
    page = lab_ui.page
    lab_ui.open_notebook()
    sidebar = lab_ui.sidebar()
    lab_ui.command("notebook:run-all-cells")
    expect(sidebar.locator(".jp-mlops-run")).to_have_count(1, timeout=90_000)
    expect(sidebar.locator(".jp-mlops-experiment")).to_contain_text(lab["notebook"])

    # JupyterLab's own Rename dialog, as a user renames Untitled.ipynb.
    page.evaluate("() => { window.jupyterapp.commands.execute('docmanager:rename'); }")  # resolves on close
    name_box = page.locator(".jp-Dialog input")
    expect(name_box).to_be_visible()
    name_box.fill(RENAMED)
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(page.locator(".lm-TabBar-tab.jp-mod-current")).to_contain_text(RENAMED)
    expect(sidebar.locator(".jp-mlops-experiment")).to_contain_text(RENAMED, timeout=60_000)
    run_tracked_cell(lab_ui, 2, sidebar)

    # A move into another folder (the file browser's drag and drop makes the same request).
    (lab["root"] / "flows").mkdir()
    page.evaluate("([a, b]) => window.jupyterapp.serviceManager.contents.rename(a, b)", [RENAMED, MOVED])
    page.wait_for_function(f"() => window.jupyterapp.shell.currentWidget.context.path === '{MOVED}'")
    expect(sidebar.locator(".jp-mlops-experiment")).to_contain_text(MOVED, timeout=60_000)
    run_tracked_cell(lab_ui, 3, sidebar)
    assert not (lab["root"] / lab["notebook"]).exists()

    # The first run, made when the notebook was quickstart.ipynb: Go to cell opens it where it is now.
    lab_ui.select_cell(0)
    oldest = sidebar.locator(".jp-mlops-run").last
    oldest.click()
    detail = sidebar.locator(".jp-mlops-detail")
    expect(detail).to_be_visible(timeout=60_000)
    detail.locator(".jp-mlops-goto").click()
    lab_ui.wait_for_active_cell(lab["tracked_cell_id"])
    expect(sidebar.locator(".jp-mlops-goto-message")).to_have_count(0)
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path") == MOVED

    lab["artifacts"].mkdir(exist_ok=True)
    page.screenshot(path=str(lab["artifacts"] / "renamed-notebook.png"))
