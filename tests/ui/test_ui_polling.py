"""The sidebar polls while it is shown and stands by while it is hidden."""

from __future__ import annotations

from playwright.sync_api import expect

POLLED = "/jupyter-mlops/api/experiments"
POLL_SECONDS = 3  # the sidebar's poll interval


def test_polls_when_shown_and_stands_by_when_hidden(lab_ui, lab):
    page = lab_ui.page
    started: list[str] = []
    ended: list[str] = []
    page.on("request", lambda request: started.append(request.url) if POLLED in request.url else None)
    page.on("requestfinished", lambda request: ended.append(request.url) if POLLED in request.url else None)
    page.on("requestfailed", lambda request: ended.append(request.url) if POLLED in request.url else None)

    def wait_until(condition, timeout_s: float) -> bool:
        """Conditions, not elapsed time: a busy machine answers slowly, never wrongly."""
        for _ in range(int(timeout_s * 4)):
            if condition():
                return True
            page.wait_for_timeout(250)
        return condition()

    page.goto(f"{lab['url']}/lab?token={lab['token']}&reset")
    sidebar = lab_ui.sidebar()
    expect(sidebar.locator(".jp-mlops-controls, .jp-mlops-empty").first).to_be_visible(timeout=30_000)

    shown_start = len(started)
    assert wait_until(lambda: len(started) - shown_start >= 2, 120), "the shown sidebar did not poll twice"

    page.locator('.lm-TabBar-tab[data-id="jupyter-mlops-sidebar"]').click()  # collapse the panel
    expect(sidebar).to_be_hidden()
    # Every request the page made so far has been reported once this round trip returns;
    # then let any poll already under way land before counting.
    page.evaluate("() => 1")
    assert wait_until(lambda: len(ended) >= len(started), 120), "a poll never finished"
    hidden_start = len(started)
    page.wait_for_timeout(2 * POLL_SECONDS * 1000 + 1000)  # two poll periods and more
    assert started[hidden_start:] == []

    lab_ui.command("jupyter-mlops:open-sidebar")  # showing it again refreshes at once
    expect(sidebar).to_be_visible()
    assert wait_until(lambda: len(started) > hidden_start, 60), "showing the sidebar did not refresh it"
