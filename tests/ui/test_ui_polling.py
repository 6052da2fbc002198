"""The sidebar polls while it is shown and stands by while it is hidden."""

from __future__ import annotations

from playwright.sync_api import expect

POLLED = "/jupyter-mlops/api/experiments"


def test_polls_when_shown_and_stands_by_when_hidden(lab_ui, lab):
    page = lab_ui.page
    calls: list[float] = []
    page.on("request", lambda request: calls.append(1) if POLLED in request.url else None)
    page.goto(f"{lab['url']}/lab?token={lab['token']}&reset")
    sidebar = lab_ui.sidebar()
    expect(sidebar.locator(".jp-mlops-controls, .jp-mlops-empty").first).to_be_visible(timeout=30_000)

    shown_start = len(calls)
    for _ in range(30):  # the poll runs every 3 s while shown (slower on a busy machine)
        if len(calls) - shown_start >= 2:
            break
        page.wait_for_timeout(500)
    assert len(calls) - shown_start >= 2

    page.locator('.lm-TabBar-tab[data-id="jupyter-mlops-sidebar"]').click()  # collapse the panel
    expect(sidebar).to_be_hidden()
    page.wait_for_timeout(500)  # let a request already in flight land
    hidden_start = len(calls)
    page.wait_for_timeout(7_000)
    assert len(calls) - hidden_start == 0

    lab_ui.command("jupyter-mlops:open-sidebar")  # showing it again refreshes at once
    expect(sidebar).to_be_visible()
    for _ in range(20):
        if len(calls) > hidden_start:
            break
        page.wait_for_timeout(250)
    assert len(calls) > hidden_start
