"""In a real JupyterLab and a real browser: decisions recorded by core's lifecycle audit
(a drift trigger, a failed gate, a forced promotion, a rollback) and a pending drift alert
show in the Models section under the model, newest first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

MODEL = "churn"
POLICY = """\
model: churn
triggers:
  drift: true
retrain:
  notebook: train.ipynb
gate:
  holdout: data/holdout.csv
  target: y
  metric: accuracy
"""


def record_lifecycle(root) -> str:
    """``churn`` v1 and v2 (@champion -> v1), a policy, four decisions and an alert; returns the trigger run."""
    from sklearn.linear_model import LogisticRegression

    from jupyter_mlops.core import store
    from jupyter_mlops.core.config import STATE_DIR_NAME, embedded_uri
    from jupyter_mlops.core.lifecycle import audit
    from jupyter_mlops.core.models.registry import register_model
    from jupyter_mlops.core.monitoring.check import CheckResult, record_check

    uri = embedded_uri(root / STATE_DIR_NAME)
    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    model = LogisticRegression().fit(X, np.arange(20) % 2)
    for aliases in (["champion"], []):
        register_model(model, MODEL, tracking_uri=uri, aliases=aliases, input_example=X.head(3))
    (root / "policies").mkdir()
    (root / "policies" / "churn.yaml").write_text(POLICY)
    (root / "train.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    (root / "data").mkdir()
    X.assign(y=np.arange(20) % 2).to_csv(root / "data" / "holdout.csv", index=False)
    client = store.client(uri)
    triggered = audit.record(client, MODEL, "triggered", alias="champion", trigger="drift", key="drift:v1")
    audit.record(client, MODEL, "gated", alias="champion", from_version="1", to_version="2",
                 outcome="failed: accuracy 0.5 < 0.6", parent=triggered)
    audit.record(client, MODEL, "promoted", alias="champion", from_version="1", to_version="2", forced=True,
                 parent=triggered)
    audit.record(client, MODEL, "rolled_back", alias="champion", from_version="2", to_version="1")
    rows = [{"feature": "a", "role": "feature", "statistic": "ks", "value": 0.4, "threshold": 0.1, "drifted": True}]
    record_check(client, CheckResult(ref="churn@champion", name=MODEL, version="1", port=5999, window="1000 rows",
                                     live_rows=1000, rows=rows, drifted=["a"], status="alert"))
    return triggered


@pytest.mark.slow
def test_the_models_section_shows_promotion_history_and_pending_triggers(lab_ui, lab):
    triggered = record_lifecycle(lab["root"])
    page = lab_ui.page
    page.goto(f"{lab['url']}/lab?token={lab['token']}&reset")
    sidebar = lab_ui.sidebar()
    header = sidebar.locator(".lm-AccordionPanel-title", has_text="Models")
    if header.get_attribute("aria-expanded") != "true":
        header.click()
    row = sidebar.locator(f'.jp-mlops-models-section .jp-mlops-model[data-model="{MODEL}"]')
    expect(row).to_be_visible(timeout=60_000)
    row.locator(".jp-mlops-model-toggle").click()
    promotions = row.locator(f'.jp-mlops-promotions[data-model="{MODEL}"]')
    expect(promotions).to_be_visible(timeout=60_000)
    expect(promotions.locator(".jp-mlops-promotions-head")).to_contain_text("policy policies/churn.yaml")

    history = promotions.locator(".jp-mlops-promotion")
    expect(history).to_have_count(4)
    expect(history.locator(".jp-mlops-decision")).to_have_text(["rolled back", "promoted", "gated", "triggered"])
    rolled_back, promoted, gated, trigger = (history.nth(i) for i in range(4))
    expect(rolled_back.locator(".jp-mlops-promotion-move")).to_have_text("@champion v2 → v1")
    expect(promoted.locator(".jp-mlops-promotion-move")).to_have_text("@champion v1 → v2")
    expect(promoted.locator(".jp-mlops-forced")).to_have_text("forced")
    expect(rolled_back.locator(".jp-mlops-forced")).to_have_count(0)
    expect(gated.locator(".jp-mlops-promotion-move")).to_have_text("v2 vs v1")
    expect(gated).to_contain_text("failed: accuracy 0.5 < 0.6")
    expect(trigger.locator(".jp-mlops-promotion-move")).to_have_text("by drift")
    expect(trigger).to_have_attribute("data-run", triggered)
    expect(rolled_back.locator(".jp-mlops-muted").first).not_to_be_empty()  # when

    pending = promotions.locator(".jp-mlops-pending")
    expect(pending).to_have_count(1)
    expect(pending).to_have_attribute("data-kind", "drift")
    expect(pending).to_contain_text("drift trigger · key drift:v1")
    lab["artifacts"].mkdir(exist_ok=True)
    row.screenshot(path=str(lab["artifacts"] / "promotions.png"))

    # a decision opens as a run (its evidence) in the run detail section
    trigger.locator(".jp-mlops-decision").click()
    detail = sidebar.locator(".jp-mlops-detail")
    expect(detail).to_have_attribute("data-run-id", triggered, timeout=60_000)
