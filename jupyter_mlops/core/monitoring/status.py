"""A deployment's live monitoring figures, for the sidebar (GET deployments/{id}/monitoring).

``deployment_monitoring(client, "NAME:PORT", feature=None)`` returns, without writing
anything:

- ``requests``: what the prediction log holds for the last ``RATE_WINDOW_SECONDS``: the
  count, the errors, the rate (per second) and latency p50/p95 (ms);
- ``alert``: the last check's outcome on the deployment (``check.deployment_status``):
  ``alert``, ``ok``, ``no_data``, or ``none`` before any check;
- ``features``: that check's table (``mlops/drift.json`` of its run), one entry per
  feature and one for the prediction, each with its statistic, value and threshold;
- with ``feature=NAME``, ``distribution``: the live window's and the reference profile's
  shares of the same bins (numeric: equal-width bins over both ranges; categorical: the
  reference's categories and "other"), and ``reference``: where the profile came from
  (the producing run, its notebook cell and the variable/dataset it read).

The id is the sidebar's deployment key ``NAME:PORT`` (the lineage graph's deployment node
id without its ``deployment:`` prefix).
"""

from __future__ import annotations

import json
import math
import time

import numpy as np

from .. import names, store
from ..errors import InvalidInput, NotFound
from ..store import artifacts as stored_artifacts
from . import check as checks
from . import predlog, records, reference
from .drift import PREDICTION
from .profile import category_counts, prediction_column
from .settings import Monitoring

RATE_WINDOW_SECONDS = 300.0  # the request rate and latencies are over the last five minutes
NUMERIC_BINS = 20
OTHER = "other"
FEATURE_FIELDS = ("feature", "role", "kind", "statistic", "value", "threshold", "p_value", "drifted", "live_rows")


def parse_id(deployment_id: str) -> tuple[str, int]:
    """``"churn:5001"`` -> ("churn", 5001); InvalidInput otherwise."""
    name, _, port = (deployment_id or "").rpartition(":")
    if not name or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidInput(f"{deployment_id!r} is not a deployment id: write NAME:PORT (e.g. churn:5001), "
                           "as GET deployments lists them (name and port).")
    return name, int(port)


def find(client, deployment_id: str):
    """The recorded deployment ``NAME:PORT``; checks.UnknownDeployment (404) when there is none."""
    from ..models.deploy import deployments

    name, port = parse_id(deployment_id)
    for deployment in deployments(client, check_health=False, name=name):
        if deployment.port == port:
            return deployment
    known = ", ".join(f"{d.name}:{d.port}" for d in deployments(client, check_health=False)) or "none"
    raise checks.UnknownDeployment(f"No deployment {deployment_id!r} is recorded (deployments: {known}).")


def deployment_monitoring(client, deployment_id: str, feature: str | None = None,
                          settings: Monitoring | None = None, now: float | None = None) -> dict:
    """See the module docstring.  UnknownDeployment (404); InvalidInput (400) for a bad id
    or a feature the deployment's version was not profiled on."""
    settings = settings or Monitoring()
    deployment = find(client, deployment_id)
    version = store.model_version_or_none(client, deployment.name, deployment.version)
    if version is None:
        raise checks.UnknownDeployment(f"{deployment.ref} serves v{deployment.version}, which no longer exists.")
    now = time.time() if now is None else now
    status = checks.deployment_status(version, deployment.port)
    last = _last_check(client, status)
    reply = {"id": f"{deployment.name}:{deployment.port}", "ref": deployment.ref, "name": deployment.name,
             "version": deployment.version, "port": deployment.port, "has_reference": reference.has_profile(version),
             "requests": None, "alert": _alert(status), "check": last["check"], "features": last["features"],
             "distribution": None, "reference": None}
    with checks._log_folder(client, deployment) as folder:
        reply["requests"] = request_stats(predlog.read_records(folder, since=now - RATE_WINDOW_SECONDS), now)
        if feature is not None:
            profile = reference.load_profile(client, version)  # NoReferenceProfile: a 404 that says what to do
            found = predlog.read_records(folder, limit=settings.window_rows)
            live = records.records_frame(found, columns=list(profile["columns"])).tail(settings.window_rows)
            reply["distribution"] = distribution(profile, live, feature)
            reply["reference"] = reference_source(profile)
    return json_safe(reply)


def request_stats(found: list[dict], now: float, window: float = RATE_WINDOW_SECONDS) -> dict:
    """Count, errors, rate per second and latency p50/p95 (ms) of the logged requests."""
    latencies = np.array([r["ms"] for r in found if isinstance(r.get("ms"), (int, float))], dtype=float)
    errors = sum(1 for r in found if r.get("status") != 200)
    p50, p95 = (np.percentile(latencies, [50, 95]).tolist() if len(latencies) else (None, None))
    last = max((r.get("t", 0) for r in found), default=None)
    return {"window_s": window, "count": len(found), "errors": errors, "rate_per_s": len(found) / window,
            "latency_p50_ms": p50, "latency_p95_ms": p95, "last_request": int(last * 1000) if last else None}


def _alert(status: dict | None) -> dict:
    if not status:
        return {"status": "none", "run_id": None, "time": None, "drifted": []}
    return {"status": str(status.get("status") or "none"), "run_id": status.get("run_id"),
            "time": status.get("time"), "drifted": list(status.get("drifted") or [])}


def _last_check(client, status: dict | None) -> dict:
    """The last check's summary and its per-feature table (empty before any check, or
    when its run or report is gone)."""
    run_id = (status or {}).get("run_id")
    if not run_id:
        return {"check": None, "features": []}
    try:
        run = store.get_run(client, run_id)
        report = json.loads(stored_artifacts.read(client, run, names.ARTIFACT_MONITOR_REPORT)["content"])
    except (NotFound, ValueError, KeyError):
        return {"check": None, "features": []}
    summary = {"run_id": run_id, "time": run.info.start_time, "window": report.get("window"),
               "live_rows": report.get("live_rows"), "version": report.get("version")}
    features = [{k: row.get(k) for k in FEATURE_FIELDS} for row in report.get("rows", [])]
    return {"check": summary, "features": features}


def distribution(profile: dict, live, feature: str) -> dict:
    """The live and reference shares of one column over shared bins; InvalidInput for a
    column the profile does not have."""
    if feature == PREDICTION and profile.get("prediction"):
        summary = profile["prediction"]
        values = prediction_column(live["prediction"]) if "prediction" in live else None
    elif feature in profile["columns"]:
        summary = profile["columns"][feature]
        values = live[feature] if feature in live else None
    else:
        have = ", ".join(list(profile["columns"]) + ([PREDICTION] if profile.get("prediction") else []))
        raise InvalidInput(f"The reference profile has no column {feature!r} (columns: {have}).")
    import pandas as pd

    values = pd.Series([], dtype=float) if values is None else values
    if summary["kind"] == "numeric":
        bins = numeric_bins(summary, pd.to_numeric(values, errors="coerce").to_numpy(dtype=float))
    else:
        bins = categorical_bins(summary, values.dropna())
    return {"feature": feature, "kind": summary["kind"], "bins": bins, "live_rows": int(values.notna().sum()),
            "reference_rows": int(summary["rows"])}


def numeric_bins(summary: dict, live: np.ndarray, count: int = NUMERIC_BINS) -> list[dict]:
    """Equal-width bins spanning the reference's 0.5-99.5% range and the live one; values
    beyond either end count in the end bins.  The reference's shares come from its
    distribution function (the profile's edges and cdf, from its min to its max)."""
    live = live[np.isfinite(live)]
    quantiles = summary["quantiles"]
    low, high = float(quantiles[0]), float(quantiles[-1])
    if len(live):
        live_low, live_high = np.percentile(live, [0.5, 99.5])
        low, high = min(low, float(live_low)), max(high, float(live_high))
    if not high > low:
        high = low + 1.0
    edges = np.linspace(low, high, count + 1)
    points = np.concatenate(([summary["min"]], summary["edges"], [summary["max"]]))
    cdf = np.concatenate(([0.0], summary["cdf"], [1.0]))
    inner = np.interp(edges[1:-1], points, cdf, left=0.0, right=1.0)
    ref_shares = np.diff(np.concatenate(([0.0], inner, [1.0])))
    if len(live):
        counts, _ = np.histogram(np.clip(live, low, high), bins=edges)
        live_shares = counts / len(live)
    else:
        live_shares = np.zeros(count)
    return [{"label": f"{edges[i]:.4g} .. {edges[i + 1]:.4g}", "low": float(edges[i]), "high": float(edges[i + 1]),
             "reference": float(max(ref_shares[i], 0.0)), "live": float(live_shares[i])} for i in range(count)]


def categorical_bins(summary: dict, valid) -> list[dict]:
    """The reference's categories, then "other" (every category it did not list)."""
    categories = list(summary["categories"])
    counts = category_counts(valid) if len(valid) else None
    total = len(valid)
    live = [float(counts.get(c, 0)) / total if counts is not None else 0.0 for c in categories]
    bins = [{"label": c, "low": None, "high": None, "reference": float(s), "live": v}
            for c, s, v in zip(categories, summary["shares"], live, strict=False)]
    rest = 1.0 - sum(live) if total else 0.0
    if summary.get("other", 0) > 0 or rest > 1e-9:
        bins.append({"label": OTHER, "low": None, "high": None, "reference": float(summary.get("other", 0.0)),
                     "live": max(rest, 0.0)})
    return bins


def reference_source(profile: dict) -> dict:
    """Where the reference data came from: the run that read it, its cell and notebook,
    the variable and the datasets (name, digest) the run recorded for it."""
    source = profile.get("source") or {}
    return {"run_id": source.get("run_id"), "notebook": source.get("notebook"), "cell_id": source.get("cell_id"),
            "variable": source.get("variable"), "rows": int(profile.get("rows", 0)),
            "sampled_rows": source.get("sampled_rows"),
            "datasets": [{"name": d.get("name"), "digest": d.get("digest")} for d in source.get("datasets") or []
                         if isinstance(d, dict)]}


def json_safe(value):
    """NaN and infinities (a column with no live rows) as None: JSON has neither."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
