"""A tracking store that does not answer: the panel says so, it is never blank."""

from __future__ import annotations

from playwright.sync_api import expect


def test_unreachable_store_is_shown_in_the_panel(store_down_ui, lab_store_down):
    page = store_down_ui.page
    page.goto(f"{lab_store_down['url']}/lab?token={lab_store_down['token']}&reset")
    sidebar = store_down_ui.sidebar()
    # the runs panel's alert (the deployments section shows one of its own)
    alert = sidebar.locator(".jp-mlops-error").filter(has_text="Cannot refresh")
    expect(alert).to_contain_text("cannot be reached", timeout=30_000)
    expect(alert).to_contain_text("MLFLOW_TRACKING_URI")
    lab_store_down["artifacts"].mkdir(exist_ok=True)
    sidebar.screenshot(path=str(lab_store_down["artifacts"] / "sidebar-store-down.png"))
