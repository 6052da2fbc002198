"""In a real JupyterLab and a real browser: exporting a notebook as a pipeline from the
command palette, the notebook toolbar and the MLOps sidebar, through the dialog, the
progress notification and the report, with the server's errors shown as they are."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

COMMAND = "jupyter-mlops:export-notebook"
BROKEN_CELL_ID = "broken-cell"
DIALOG = ".jp-Dialog:has(.jp-mlops-export-form)"


def write_notebook(root: Path, name: str, cells: list[tuple[str, str]]) -> str:
    notebook = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                    "language": "python"}, "language_info": {"name": "python"}},
        "cells": [{"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None,
                   "outputs": [], "source": source} for cell_id, source in cells],
    }
    (root / name).write_text(json.dumps(notebook, indent=1))
    return name


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def open_notebook(ui, path: str, cells: int) -> None:
    server = ui.server
    ui.page.goto(f"{server['url']}/lab/tree/{path}?token={server['token']}&reset")
    ui.page.wait_for_function(ui.NOTEBOOK_READY, arg=cells, timeout=90_000)


def start_export(page, args: dict | None = None) -> None:
    """Run the command without waiting for it: it waits for the dialog, then the export."""
    page.wait_for_function(f"() => window.jupyterapp.commands.hasCommand('{COMMAND}')", timeout=30_000)
    page.evaluate("([name, args]) => { void window.jupyterapp.commands.execute(name, args); }",
                  [COMMAND, args or {}])


def toast(page, text: str):
    return page.locator(".Toastify__toast").filter(has_text=text)


def settled(page) -> None:
    """Before a screenshot: the pending toast gone and the new one done sliding in."""
    expect(page.locator(".Toastify__toast").filter(has=page.locator(".Toastify__spinner"))).to_have_count(0)
    page.wait_for_timeout(1000)


def export_dialog(page):
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_visible(timeout=60_000)
    return dialog


def out_field(dialog):
    return dialog.locator('input[name="out"]')


def press_export(dialog) -> None:
    dialog.locator("button.jp-mod-accept").click()
    expect(dialog).to_have_count(0)


@pytest.fixture
def artifacts(lab) -> Path:
    lab["artifacts"].mkdir(exist_ok=True)
    return lab["artifacts"]


def test_command_is_in_the_palette_and_needs_a_notebook(lab_ui, lab):
    page = lab_ui.page
    page.goto(f"{lab['url']}/lab?token={lab['token']}&reset")
    page.wait_for_function(f"() => window.jupyterapp && window.jupyterapp.commands.hasCommand('{COMMAND}')",
                           timeout=60_000)
    page.evaluate("() => window.jupyterapp.restored")
    # No notebook open: disabled, and running it anyway says what to do.
    assert page.evaluate(f"() => window.jupyterapp.commands.isEnabled('{COMMAND}')") is False
    lab_ui.command(COMMAND)
    expect(toast(page, "Open a notebook first")).to_be_visible(timeout=60_000)

    # The modal palette closes when it loses focus (a toast sliding in can take it): open
    # it once the toast is gone, and again if it closed before the text went in.
    expect(page.locator(".Toastify__toast")).to_have_count(0, timeout=60_000)
    search = page.locator(".lm-CommandPalette-input >> visible=true")
    for _attempt in range(3):
        lab_ui.command("apputils:activate-command-palette")
        try:
            search.fill("Export Notebook as Pipeline", timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    expect(search).to_have_value("Export Notebook as Pipeline")
    item = page.locator(".lm-CommandPalette-item").filter(has_text="Export Notebook as Pipeline")
    expect(item).to_have_count(1)
    expect(item).to_have_class(re.compile(r"lm-mod-disabled"))
    category = item.locator("xpath=preceding-sibling::li[contains(@class, 'lm-CommandPalette-header')][1]")
    expect(category).to_have_text("MLOps")


def test_toolbar_button_exports_python_then_refuses_the_same_folder(lab_ui, lab, artifacts):
    page = lab_ui.page
    root: Path = lab["root"]
    lab_ui.open_notebook()
    assert page.evaluate(f"() => window.jupyterapp.commands.isEnabled('{COMMAND}')") is True
    page.locator(".jp-NotebookPanel-toolbar .jp-mlops-export-button").click()
    dialog = export_dialog(page)
    expect(dialog).to_contain_text("quickstart.ipynb")
    expect(out_field(dialog)).to_have_value("quickstart_pipeline")
    for target in ("Python package", "Airflow DAG", "Kubeflow Pipelines"):
        expect(dialog.locator(".jp-mlops-export-target").filter(has_text=target)).to_have_count(1)
    expect(dialog.locator('input[value="python"]')).to_be_checked()
    dialog.screenshot(path=str(artifacts / "export-dialog.png"))
    press_export(dialog)

    done = toast(page, "Exported 1 step to quickstart_pipeline")
    expect(done).to_be_visible(timeout=60_000)
    package = root / "quickstart_pipeline"
    assert (package / "quickstart" / "__main__.py").is_file()
    step_files = sorted(p.name for p in (package / "quickstart" / "steps").glob("*.py") if p.name != "__init__.py")
    assert len(step_files) == 1, step_files
    step = step_files[0][:-3]

    settled(page)
    page.screenshot(path=str(artifacts / "export-done.png"))
    done.locator(".jp-toast-button").filter(has_text="Show report").click()
    report = page.locator(".jp-Dialog:has(.jp-mlops-export-report)")
    expect(report).to_be_visible()
    expect(report.locator(f'tr[data-step="{step}"]')).to_contain_text("cell 3")
    expect(report).to_contain_text("quickstart.ipynb → quickstart_pipeline")
    expect(report.locator(".jp-mlops-export-report-excluded")).to_contain_text("Left out")
    expect(report.locator(".jp-mlops-export-commands")).to_contain_text("quickstart")
    report.screenshot(path=str(artifacts / "export-report.png"))
    report.locator(".jp-Dialog-button").filter(has_text="Open folder").click()
    expect(page.locator(".jp-FileBrowser .jp-BreadCrumbs")).to_contain_text("quickstart_pipeline", timeout=60_000)
    expect(page.locator(".jp-FileBrowser .jp-DirListing-item").filter(has_text="quickstart")).to_be_visible()

    # The same folder again: the server refuses with 409, the message says so, nothing is written.
    before = tree(package)
    top_level = sorted(p.name for p in root.iterdir())
    start_export(page, {"path": lab["notebook"]})
    dialog = export_dialog(page)
    expect(out_field(dialog)).to_have_value("quickstart_pipeline")
    press_export(dialog)
    refused = toast(page, "already exists")
    expect(refused).to_be_visible(timeout=60_000)
    expect(refused).to_contain_text("Not exported, nothing written")
    expect(refused).to_contain_text("quickstart_pipeline")
    expect(page.locator(".Toastify__toast--error").filter(has_text="already exists")).to_have_count(1)
    assert tree(package) == before
    assert sorted(p.name for p in root.iterdir()) == top_level
    expect(refused).not_to_contain_text("--out")  # the CLI's wording, not the dialog's
    settled(page)
    page.screenshot(path=str(artifacts / "export-exists.png"))

    # "Choose another folder" brings the dialog back with the same choices.
    refused.locator(".jp-toast-button").filter(has_text="Choose another folder").click()
    dialog = export_dialog(page)
    expect(out_field(dialog)).to_have_value("quickstart_pipeline")
    dialog.locator('input[value="kfp"]').check()
    expect(out_field(dialog)).to_have_value("quickstart_kfp")
    press_export(dialog)
    expect(toast(page, "1 step to quickstart_kfp")).to_be_visible(timeout=60_000)
    assert (root / "quickstart_kfp" / "quickstart_kfp.py").is_file()
    assert tree(package) == before


def test_a_syntax_error_names_the_cell_and_go_to_cell_selects_it(lab_ui, lab, artifacts):
    page = lab_ui.page
    root: Path = lab["root"]
    path = write_notebook(root, "broken.ipynb", [
        ("fine-cell", "%%track\nx = 1\n"),
        ("middle-cell", "print(x)\n"),
        (BROKEN_CELL_ID, "%%track\ny = (x +\n"),
    ])
    open_notebook(lab_ui, path, 3)
    lab_ui.select_cell(0)
    page.locator(".jp-NotebookPanel-toolbar .jp-mlops-export-button").click()
    dialog = export_dialog(page)
    expect(out_field(dialog)).to_have_value("broken_pipeline")
    press_export(dialog)

    failed = toast(page, "syntax error")
    expect(failed).to_be_visible(timeout=60_000)
    expect(failed).to_contain_text("cell 3")
    expect(failed).to_contain_text(BROKEN_CELL_ID)
    expect(page.locator(".Toastify__toast--error").filter(has_text="syntax error")).to_have_count(1)
    assert not (root / "broken_pipeline").exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".broken_pipeline")]
    settled(page)
    page.screenshot(path=str(artifacts / "export-syntax-error.png"))

    # The message is longer than a notification shows: "Details" has all of it, and
    # leaves the notification (and its "Go to cell") in place.
    failed.locator(".jp-toast-button").filter(has_text="Details").click()
    full = page.locator(".jp-Dialog").filter(has_text="Export failed")
    expect(full).to_contain_text("Fix the cell (it must run in the notebook) and export again.")
    full.locator(".jp-Dialog-button").first.click()
    expect(full).to_have_count(0)

    assert lab_ui.active_cell_id() == "fine-cell"
    failed.locator(".jp-toast-button").filter(has_text="Go to cell").click()
    lab_ui.wait_for_active_cell(BROKEN_CELL_ID)
    expect(page.locator(".jp-Notebook .jp-Cell.jp-mod-active")).to_contain_text("y = (x +")


def test_sidebar_button_opens_the_dialog_and_exports_airflow(lab_ui, lab):
    page = lab_ui.page
    root: Path = lab["root"]
    lab_ui.open_notebook()
    sidebar = lab_ui.sidebar()
    sidebar.locator(".jp-mlops-export-button").click()
    dialog = export_dialog(page)
    expect(dialog).to_contain_text("quickstart.ipynb")
    dialog.locator('input[value="airflow"]').check()
    expect(out_field(dialog)).to_have_value("quickstart_airflow")
    dialog.locator('input[name="name"]').fill("Nightly Flow")
    expect(out_field(dialog)).to_have_value("nightly_flow_airflow")

    # An empty folder is refused in the dialog: Export is greyed out, the reason shown.
    out_field(dialog).fill("  ")
    expect(dialog.locator(".jp-mlops-export-problem")).to_contain_text("Choose an output folder")
    expect(dialog.locator("button.jp-mod-accept")).to_be_disabled()
    out_field(dialog).fill("pipelines/nightly")
    expect(dialog.locator(".jp-mlops-export-problem")).to_have_count(0)
    press_export(dialog)

    expect(toast(page, "to pipelines/nightly")).to_be_visible(timeout=60_000)
    dags = list((root / "pipelines" / "nightly").rglob("*.py"))
    assert dags and any("DAG" in p.read_text() for p in dags), dags


def test_unsaved_edit_is_saved_before_the_export(lab_ui, lab):
    page = lab_ui.page
    root: Path = lab["root"]
    lab_ui.open_notebook()
    page.evaluate("""() => {
      const panel = window.jupyterapp.shell.currentWidget;
      const cell = panel.content.widgets.find(c => c.model.id === 'tracked-cell-0001');
      cell.model.sharedModel.setSource(cell.model.sharedModel.getSource() + '\\nedited_marker = result * 2');
    }""")
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
    assert "edited_marker" not in (root / lab["notebook"]).read_text()

    start_export(page)
    dialog = export_dialog(page)
    expect(dialog.locator(".jp-mlops-export-unsaved")).to_contain_text("saved first")
    out_field(dialog).fill("edited_pipeline")
    press_export(dialog)

    expect(toast(page, "Saved, then exported 1 step to edited_pipeline")).to_be_visible(timeout=60_000)
    assert "edited_marker" in (root / lab["notebook"]).read_text()
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty") is False
    steps = [p for p in (root / "edited_pipeline").rglob("steps/*.py") if p.name != "__init__.py"]
    assert len(steps) == 1 and "edited_marker = result * 2" in steps[0].read_text()


def test_notebook7_toolbar_button_exports(nb7_ui, notebook7):
    page = nb7_ui.page
    nb7_ui.open_notebook()
    page.locator(".jp-NotebookPanel-toolbar .jp-mlops-export-button").click()
    dialog = export_dialog(page)
    expect(out_field(dialog)).to_have_value("quickstart_pipeline")
    press_export(dialog)
    expect(toast(page, "1 step to quickstart_pipeline")).to_be_visible(timeout=60_000)
    assert (notebook7["root"] / "quickstart_pipeline" / "quickstart" / "__main__.py").is_file()
