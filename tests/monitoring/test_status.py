"""core/monitoring/status.py: the sidebar's figures from a prediction log and a profile."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jupyter_mlops.core.errors import InvalidInput
from jupyter_mlops.core.monitoring import status
from jupyter_mlops.core.monitoring.profile import build_profile


@pytest.fixture(scope="module")
def profile():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(0, 1, 5000), "plan": rng.choice(["x", "y", "z"], 5000, p=[0.6, 0.3, 0.1])})
    return build_profile(frame, rng.random(5000), {"run_id": "r1", "variable": "X", "cell_id": "c1",
                                                   "notebook": "nb.ipynb", "datasets": [{"name": "X", "digest": "d"}]})


def test_request_stats_over_the_window():
    now = 1_000.0
    found = [{"t": now - 10 + i, "ms": float(i + 1), "status": 200} for i in range(9)] + [
        {"t": now - 1, "ms": 50.0, "status": 400}]
    stats = status.request_stats(found, now, window=300)
    assert (stats["count"], stats["errors"]) == (10, 1)
    assert stats["rate_per_s"] == pytest.approx(10 / 300)
    assert stats["latency_p50_ms"] == pytest.approx(np.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 50], 50))
    assert stats["latency_p95_ms"] > 9
    assert stats["last_request"] == int((now - 1) * 1000)
    empty = status.request_stats([], now)
    assert empty["count"] == 0 and empty["latency_p50_ms"] is None and empty["last_request"] is None


def test_numeric_bins_share_edges_and_show_a_shift(profile):
    rng = np.random.default_rng(1)
    live = pd.DataFrame({"a": rng.normal(1.5, 1, 2000), "plan": rng.choice(["x", "y", "w"], 2000)})
    dist = status.distribution(profile, live, "a")
    bins = dist["bins"]
    assert dist["kind"] == "numeric" and len(bins) == status.NUMERIC_BINS
    assert (dist["live_rows"], dist["reference_rows"]) == (2000, 5000)
    assert sum(b["live"] for b in bins) == pytest.approx(1.0)
    assert sum(b["reference"] for b in bins) == pytest.approx(1.0)
    assert all(b["low"] < b["high"] and b["reference"] >= 0 for b in bins)
    assert all(a["high"] == pytest.approx(b["low"]) for a, b in zip(bins, bins[1:], strict=False))
    assert bins[-1]["high"] > 4  # the range covers the shifted live values too

    def mean(key):
        return sum((b["low"] + b["high"]) / 2 * b[key] for b in bins)

    assert mean("reference") == pytest.approx(0.0, abs=0.1)
    assert mean("live") == pytest.approx(1.5, abs=0.15)


def test_categorical_bins_put_unknown_categories_in_other(profile):
    live = pd.DataFrame({"a": [0.0] * 4, "plan": ["x", "y", "w", "w"]})
    bins = status.distribution(profile, live, "plan")["bins"]
    assert [b["label"] for b in bins] == ["x", "y", "z", "other"]
    assert [b["live"] for b in bins] == [0.25, 0.25, 0.0, 0.5]
    assert bins[0]["reference"] == pytest.approx(0.6, abs=0.03) and bins[-1]["reference"] == 0.0


def test_prediction_and_unknown_columns(profile):
    live = pd.DataFrame({"a": [0.1, 0.2], "plan": ["x", "x"], "prediction": [0.2, 0.9]})
    assert status.distribution(profile, live, "prediction")["live_rows"] == 2
    with pytest.raises(InvalidInput, match="no column 'nosuch' .*a, plan, prediction"):
        status.distribution(profile, live, "nosuch")
    no_live = status.distribution(profile, pd.DataFrame(), "a")
    assert no_live["live_rows"] == 0 and all(b["live"] == 0 for b in no_live["bins"])


def test_reference_source_and_json_safety(profile):
    source = status.reference_source(profile)
    assert source == {"run_id": "r1", "notebook": "nb.ipynb", "cell_id": "c1", "variable": "X", "rows": 5000,
                      "sampled_rows": None, "datasets": [{"name": "X", "digest": "d"}]}
    assert status.json_safe({"v": [math.nan, 1.0, math.inf], "s": "x"}) == {"v": [None, 1.0, None], "s": "x"}


@pytest.mark.parametrize("bad", ["churn", "churn:", ":5001", "churn:0", "churn:x", "churn:99999"])
def test_bad_ids(bad):
    with pytest.raises(InvalidInput, match="NAME:PORT"):
        status.parse_id(bad)
