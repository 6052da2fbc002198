"""Reference profiles and drift statistics on simulated data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from jupyter_mlops.core.monitoring.drift import Thresholds, compare, compare_frame
from jupyter_mlops.core.monitoring.profile import build_profile, check_profile

rng = np.random.default_rng(7)


def reference_frame(n: int = 20_000) -> pd.DataFrame:
    return pd.DataFrame({
        "x": rng.normal(10, 2, n),
        "y": rng.exponential(1.0, n),
        "plan": rng.choice(["basic", "pro", "team"], n, p=[0.6, 0.3, 0.1]),
        "flag": rng.integers(0, 2, n),
    })


def test_profile_is_compact_json_with_null_rates_and_kinds():
    frame = reference_frame()
    frame.loc[:999, "x"] = np.nan
    profile = build_profile(frame, predictions=(frame.y > 1).astype(int), source={"run_id": "r1"})
    again = check_profile(json.loads(json.dumps(profile)))
    columns = again["columns"]
    assert {k: v["kind"] for k, v in columns.items()} == {"x": "numeric", "y": "numeric", "plan": "categorical",
                                                           "flag": "categorical"}
    assert columns["x"]["null_rate"] == pytest.approx(0.05)
    assert columns["x"]["rows"] == 19_000
    assert columns["x"]["quantiles"][50] == pytest.approx(np.nanquantile(frame.x, 0.505))
    shares = dict(zip(columns["plan"]["categories"], columns["plan"]["shares"], strict=True))
    assert shares["basic"] == pytest.approx(0.6, abs=0.02)
    assert again["prediction"]["kind"] == "categorical" and again["source"] == {"run_id": "r1"}
    assert len(json.dumps(profile)) < 20_000
    with pytest.raises(ValueError, match="empty"):
        build_profile(pd.DataFrame())


def test_unshifted_data_does_not_drift_and_shifted_columns_do():
    profile = build_profile(reference_frame())
    live = reference_frame(10_000)
    result = compare_frame(profile, live)
    assert not result.drifted.any(), result
    live["x"] = live.x + 0.4  # 0.2 sigma
    live["plan"] = rng.choice(["basic", "pro", "team"], len(live), p=[0.5, 0.4, 0.1])
    result = compare_frame(profile, live).set_index("feature")
    assert result.drifted.to_dict() == {"x": True, "y": False, "plan": True, "flag": False}
    assert result.loc["x", "statistic"] == "ks" and result.loc["plan", "statistic"] == "jensen_shannon"
    flagged = result[result.drifted]
    assert (result.value > 0).all() and (flagged.value > flagged.threshold).all()


def test_grid_ks_matches_scipy_on_raw_columns():
    reference = reference_frame()
    profile = build_profile(reference)
    live = pd.DataFrame({"x": rng.normal(10.5, 2.4, 5000), "y": rng.exponential(1.3, 5000)})
    for row in compare(profile, live)[:2]:
        exact = ks_2samp(live[row["feature"]], reference[row["feature"]]).statistic
        assert row["value"] == pytest.approx(exact, abs=0.012)


def test_a_trivial_shift_at_many_rows_and_a_big_gap_at_few_rows_are_not_alarms():
    profile = build_profile(pd.DataFrame({"x": rng.normal(0, 1, 100_000)}))
    many = compare(profile, pd.DataFrame({"x": rng.normal(0.05, 1, 100_000)}))[0]
    assert many["p_value"] < 1e-6 and not many["drifted"]  # significant, but trivial
    few = compare(profile, pd.DataFrame({"x": rng.normal(0, 1, 15)}))[0]
    assert not few["drifted"]


@pytest.mark.parametrize("numeric", ["ks", "wasserstein", "psi"])
def test_every_statistic_flags_a_spread_change(numeric):
    profile = build_profile(pd.DataFrame({"x": rng.normal(0, 1, 50_000)}))
    thresholds = Thresholds(numeric=numeric, categorical="psi")
    assert compare(profile, pd.DataFrame({"x": rng.normal(0, 1.2, 10_000)}), thresholds=thresholds)[0]["drifted"]
    assert not compare(profile, pd.DataFrame({"x": rng.normal(0, 1, 10_000)}), thresholds=thresholds)[0]["drifted"]


def test_missing_columns_nulls_unseen_categories_and_predictions():
    reference = reference_frame()
    profile = build_profile(reference, predictions=np.where(reference.x > 10, "yes", "no"))
    live = reference_frame(5000).drop(columns=["y"])
    live.loc[:2499, "x"] = None
    live.loc[:999, "plan"] = "enterprise"  # a category the reference never saw goes to "other"
    rows = {r["feature"]: r for r in compare(profile, live, predictions=np.array(["yes"] * 5000))}
    assert rows["y"]["statistic"] == "missing" and rows["y"]["drifted"]
    assert rows["x"]["live_null_rate"] == pytest.approx(0.5) and rows["x"]["live_rows"] == 2500
    assert rows["plan"]["drifted"]
    assert rows["prediction"]["role"] == "prediction" and rows["prediction"]["drifted"]


def test_thresholds_per_feature_and_bad_settings():
    profile = build_profile(pd.DataFrame({"x": rng.normal(0, 1, 20_000)}))
    live = pd.DataFrame({"x": rng.normal(0.2, 1, 10_000)})
    assert compare(profile, live)[0]["drifted"]
    assert not compare(profile, live, thresholds=Thresholds(per_feature={"x": 0.5}))[0]["drifted"]
    for bad, message in [({"numeric": "t_test"}, "numeric statistic"), ({"categorical": "ks"}, "categorical"),
                         ({"per_feature": {"x": -1}}, "non-negative"), ({"alpha": 2}, "alpha")]:
        with pytest.raises(ValueError, match=message):
            Thresholds(**bad)
