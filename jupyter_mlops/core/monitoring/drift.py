"""Drift of live data against a reference profile: effect sizes, vectorised with numpy.

Statistics (``STATISTICS``), each an effect size that does not grow with the number of rows:

- ``ks``: Kolmogorov-Smirnov distance, the largest gap between the live and the reference
  distribution functions, read at the reference's 100 quantiles (numeric columns);
- ``wasserstein``: mean absolute gap between live and reference quantiles (levels 0.005 ..
  0.995), divided by the reference's standard deviation (numeric columns);
- ``psi``: population stability index over the reference's deciles (numeric) or its
  categories plus "other" (categorical);
- ``jensen_shannon``: Jensen-Shannon distance (base 2, 0..1) over the same bins.

A column drifts when its statistic exceeds its threshold *and* the difference is unlikely
to be noise (p-value below ``alpha``: the asymptotic Kolmogorov distribution for ``ks`` and
``wasserstein``, a chi-square test on the binned counts for ``psi`` and
``jensen_shannon``).  The effect size keeps a trivial shift at 100k rows from being flagged;
the p-value keeps a few dozen rows from being flagged by chance.

Live numeric values are sorted once per column (numpy's vectorised sort), then every
statistic is read from the sorted values with ``searchsorted`` at the profile's edges: a
million rows by 50 columns takes well under 2 s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .profile import QUANTILE_LEVELS, category_counts, is_numeric, prediction_column, quantiles_of_sorted

STATISTICS = ("ks", "wasserstein", "psi", "jensen_shannon")
NUMERIC_STATISTICS = STATISTICS
CATEGORICAL_STATISTICS = ("psi", "jensen_shannon")
# Chosen with benchmarks/monitoring.py: at 10,000 live rows each detects a 0.2-sigma mean
# shift, a x1.2 spread and a 10-point change in a category's share in >= 95% of trials,
# with no false alarms on unshifted data.
DEFAULT_THRESHOLDS = {"ks": 0.03, "wasserstein": 0.1, "psi": 0.02, "jensen_shannon": 0.05}
DEFAULT_ALPHA = 0.001
PSI_BINS = 10
_SMOOTH = 1e-4  # share given to an empty bin, so PSI stays finite
PREDICTION = "prediction"
COLUMNS = ["feature", "role", "kind", "statistic", "value", "threshold", "p_value", "drifted", "live_rows",
           "reference_rows", "live_null_rate", "reference_null_rate"]


@dataclass
class Thresholds:
    """Which statistic and threshold each column gets: ``per_feature`` (by column name, or
    ``prediction``) wins over ``defaults`` (by statistic)."""

    numeric: str = "ks"
    categorical: str = "jensen_shannon"
    defaults: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    per_feature: dict[str, float] = field(default_factory=dict)
    alpha: float = DEFAULT_ALPHA

    def __post_init__(self) -> None:
        if self.numeric not in NUMERIC_STATISTICS:
            raise ValueError(f"numeric statistic {self.numeric!r} is not one of {', '.join(NUMERIC_STATISTICS)}.")
        if self.categorical not in CATEGORICAL_STATISTICS:
            raise ValueError(f"categorical statistic {self.categorical!r} is not one of "
                             f"{', '.join(CATEGORICAL_STATISTICS)}.")
        for key, value in {**self.defaults, **self.per_feature}.items():
            if not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
                raise ValueError(f"threshold for {key!r} is {value!r}: give a non-negative number.")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha {self.alpha!r} is not between 0 and 1.")

    def statistic_for(self, kind: str) -> str:
        return self.numeric if kind == "numeric" else self.categorical

    def threshold_for(self, column: str, statistic: str) -> float:
        if column in self.per_feature:
            return float(self.per_feature[column])
        return float(self.defaults.get(statistic, DEFAULT_THRESHOLDS[statistic]))


def compare(profile: dict, frame, predictions=None, thresholds: Thresholds | None = None) -> list[dict]:
    """One row (dict with ``COLUMNS``) per profiled column, then one for the prediction when
    both the profile and ``predictions`` have it.  ``frame`` holds the live inputs."""
    import pandas as pd

    thresholds = thresholds or Thresholds()
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    rows = []
    for name, reference in profile["columns"].items():
        live = frame[name] if name in frame.columns else None
        rows.append(_row(name, "feature", reference, live, thresholds))
    if profile.get("prediction") and predictions is not None:
        rows.append(_row(PREDICTION, "prediction", profile["prediction"], prediction_column(predictions), thresholds))
    return rows


def compare_frame(profile: dict, frame, predictions=None, thresholds: Thresholds | None = None):
    """``compare`` as a pandas DataFrame."""
    import pandas as pd

    return pd.DataFrame(compare(profile, frame, predictions, thresholds), columns=COLUMNS)


def _row(name: str, role: str, reference: dict, live, thresholds: Thresholds) -> dict:
    kind = reference["kind"]
    statistic = thresholds.statistic_for(kind)
    threshold = thresholds.threshold_for(name, statistic)
    row = {"feature": name, "role": role, "kind": kind, "statistic": statistic, "value": float("nan"),
           "threshold": threshold, "p_value": float("nan"), "drifted": False, "live_rows": 0,
           "reference_rows": int(reference["rows"]), "live_null_rate": float("nan"),
           "reference_null_rate": float(reference["null_rate"])}
    if live is None:  # the live requests do not carry this column: the inputs changed shape
        row.update(statistic="missing", drifted=True)
        return row
    total = len(live)
    if kind == "numeric":
        value, p_value, rows = numeric_statistic(reference, _numbers(live), statistic)
    else:
        value, p_value, rows = categorical_statistic(reference, live.dropna(), statistic)
    row.update(value=value, p_value=p_value, live_rows=rows,
               live_null_rate=(total - rows) / total if total else float("nan"),
               drifted=bool(rows > 0 and value > threshold and p_value < thresholds.alpha))
    return row


def _numbers(live) -> np.ndarray:
    import pandas as pd

    if is_numeric(live):
        values = live.to_numpy(dtype=float, na_value=np.nan)
    else:  # strings where numbers were expected: what does not parse counts as missing
        values = pd.to_numeric(live, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    values = np.sort(values)  # NaN sorts last
    return values[: np.searchsorted(values, np.inf, side="right")]  # finite values, sorted (-inf kept)


def numeric_statistic(reference: dict, ordered: np.ndarray, statistic: str) -> tuple[float, float, int]:
    """(value, p-value, live rows) of ``statistic`` for sorted live values ``ordered``."""
    n = len(ordered)
    if n == 0:
        return float("nan"), float("nan"), 0
    m = int(reference["rows"])
    n_eff = n * m / (n + m)
    edges = np.asarray(reference["edges"])
    ref_cdf = np.asarray(reference["cdf"])
    live_cdf = np.searchsorted(ordered, edges, side="right") / n
    ks = float(np.max(np.abs(live_cdf - ref_cdf)))
    if statistic in ("ks", "wasserstein"):
        p_value = _kolmogorov_p(ks, n_eff)
        if statistic == "ks":
            return ks, p_value, n
        live_q = quantiles_of_sorted(ordered, QUANTILE_LEVELS)
        scale = float(reference["std"]) or 1.0
        return float(np.mean(np.abs(live_q - np.asarray(reference["quantiles"]))) / scale), p_value, n
    chosen = np.unique(np.abs(ref_cdf[:, None] - np.arange(1, PSI_BINS) / PSI_BINS).argmin(axis=0))
    ref_bins = np.diff(np.concatenate(([0.0], ref_cdf[chosen], [1.0])))
    live_bins = np.diff(np.concatenate(([0.0], live_cdf[chosen], [1.0])))
    return _binned(ref_bins, live_bins, n_eff, statistic) + (n,)


def categorical_statistic(reference: dict, valid, statistic: str) -> tuple[float, float, int]:
    """(value, p-value, live rows) of ``statistic`` for the live non-null values ``valid``."""
    n = len(valid)
    if n == 0:
        return float("nan"), float("nan"), 0
    counts = category_counts(valid)
    categories = reference["categories"]
    live = counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    live_bins = np.append(live, n - live.sum()) / n
    ref_bins = np.append(np.asarray(reference["shares"], dtype=float), float(reference["other"]))
    keep = (ref_bins > 0) | (live_bins > 0)
    m = int(reference["rows"])
    return _binned(ref_bins[keep], live_bins[keep], n * m / (n + m), statistic) + (n,)


def _binned(ref_bins: np.ndarray, live_bins: np.ndarray, n_eff: float, statistic: str) -> tuple[float, float]:
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import chi2

    if len(ref_bins) < 2:
        return 0.0, 1.0
    pooled = (ref_bins + live_bins) / 2
    chi_square = n_eff * float(np.sum((live_bins - ref_bins) ** 2 / np.maximum(pooled, 1e-12)))
    p_value = float(chi2.sf(chi_square, len(ref_bins) - 1))
    if statistic == "jensen_shannon":
        return float(jensenshannon(ref_bins, live_bins, base=2)), p_value
    ref_s = np.maximum(ref_bins, _SMOOTH)
    live_s = np.maximum(live_bins, _SMOOTH)
    return float(np.sum((live_s - ref_s) * np.log(live_s / ref_s))), p_value


def _kolmogorov_p(distance: float, n_eff: float) -> float:
    from scipy.special import kolmogorov

    return float(kolmogorov(distance * np.sqrt(n_eff)))
