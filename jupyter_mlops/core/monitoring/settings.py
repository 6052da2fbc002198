"""Monitoring settings: traitlets config (``c.Monitoring.x = ...`` in ``ipython_config.py``
or ``jupyter_server_config.py``) and the environment a monitored scoring server reads.

Thresholds, most specific first: a ``%monitor --threshold FEATURE=VALUE`` option, then
``c.Monitoring.feature_thresholds = {"churn": {"age": 0.05}}`` (per model, per feature,
``"*"`` for every model), then ``c.Monitoring.thresholds = {"ks": 0.03, ...}`` (per statistic).
"""

from __future__ import annotations

import os
from pathlib import Path

from traitlets import Bool, Dict, Float, Int, Unicode
from traitlets.config import Configurable

from .drift import DEFAULT_ALPHA, DEFAULT_THRESHOLDS, Thresholds

# What %deploy tells the monitored scoring server (scoring_app.py reads it).
ENV_MODEL_NAME = "JUPYTER_MLOPS_MODEL_NAME"
ENV_MODEL_VERSION = "JUPYTER_MLOPS_MODEL_VERSION"
ENV_PREDICTIONS = "JUPYTER_MLOPS_PREDICTIONS"  # the log folder; unset: no log (%deploy --no-log)
ENV_SEGMENT_BYTES = "JUPYTER_MLOPS_LOG_SEGMENT_BYTES"
ENV_SEGMENT_SECONDS = "JUPYTER_MLOPS_LOG_SEGMENT_SECONDS"
ENV_RETENTION_SECONDS = "JUPYTER_MLOPS_LOG_RETENTION_SECONDS"
ENV_RETENTION_BYTES = "JUPYTER_MLOPS_LOG_RETENTION_BYTES"
ENV_FSYNC = "JUPYTER_MLOPS_LOG_FSYNC"
ENV_UPLOAD_MODEL_ID = "JUPYTER_MLOPS_LOG_UPLOAD_MODEL_ID"  # set with an MLflow server: upload rotated segments
ENV_UPLOAD_PATH = "JUPYTER_MLOPS_LOG_UPLOAD_PATH"
ENV_DRIFT_INTERVAL = "JUPYTER_MLOPS_DRIFT_INTERVAL"
ENV_DRIFT_WINDOW = "JUPYTER_MLOPS_DRIFT_WINDOW"
ENV_MAX_REQUEST_BYTES = "JUPYTER_MLOPS_MAX_REQUEST_BYTES"  # a bigger /invocations body gets a 413
ENV_CONTRACT = "JUPYTER_MLOPS_CONTRACT"  # the contract file the server checks requests against
ENV_CONTRACT_MODE = "JUPYTER_MLOPS_CONTRACT_MODE"  # reject or log
DEFAULT_MAX_REQUEST_MB = 32.0


class Monitoring(Configurable):
    """Settings of the prediction log, drift checks and alerts."""

    numeric_statistic = Unicode("ks", help="Drift statistic of numeric columns: ks, wasserstein or psi.").tag(
        config=True)
    categorical_statistic = Unicode("jensen_shannon", help="Drift statistic of categorical columns: "
                                    "jensen_shannon or psi.").tag(config=True)
    thresholds = Dict(help=f"Threshold per statistic, e.g. {{'ks': 0.05}} (defaults: {DEFAULT_THRESHOLDS}).").tag(
        config=True)
    feature_thresholds = Dict(help="Threshold per model and feature: {'churn': {'age': 0.05, 'prediction': 0.1}}; "
                              "'*' applies to every model.").tag(config=True)
    alpha = Float(DEFAULT_ALPHA, help="A column drifts only when its difference is this unlikely to be noise.").tag(
        config=True)
    window_rows = Int(10_000, help="Rows a check reads when no --window is given (the newest ones).").tag(config=True)
    log_segment_mb = Float(64.0, help="Start a new prediction-log segment at this size (MB).").tag(config=True)
    log_segment_minutes = Float(60.0, help="... or at this age (minutes).").tag(config=True)
    log_retention_hours = Float(168.0, help="Delete closed segments older than this (hours).").tag(config=True)
    log_retention_mb = Float(1024.0, help="Keep at most this much prediction log per deployment (MB).").tag(
        config=True)
    log_fsync = Bool(False, help="fsync every record: survives a power cut, not only a killed server, at a cost.").tag(
        config=True)
    drift_interval_seconds = Float(60.0, help="How often a server recomputes the drift gauges of /metrics.").tag(
        config=True)
    check_interval_seconds = Float(300.0, help="How often the Jupyter server checks every live deployment.").tag(
        config=True)
    max_request_mb = Float(DEFAULT_MAX_REQUEST_MB, help="A deployment answers 413 to a request body larger than "
                           "this (MB), before reading it whole; 0: no limit. %deploy --max-request-mb overrides "
                           "it.").tag(config=True)
    webhook_url = Unicode("", help="POST each alert here as JSON (empty: no webhook).").tag(config=True)
    webhook_attempts = Int(3, help="Attempts per webhook POST (with backoff) before giving up.").tag(config=True)


def thresholds_for(model: str, settings: Monitoring | None = None, overrides: dict[str, float] | None = None,
                   alpha: float | None = None) -> Thresholds:
    """The statistics and thresholds for ``model``; ValueError for a bad setting."""
    settings = settings or Monitoring()
    per_feature: dict[str, float] = {}
    configured = settings.feature_thresholds or {}
    for key in ("*", model):
        found = configured.get(key) or {}
        if not isinstance(found, dict):
            raise ValueError(f"c.Monitoring.feature_thresholds[{key!r}] must be a dict of feature -> threshold.")
        per_feature.update({str(k): float(v) for k, v in found.items()})
    per_feature.update(overrides or {})
    return Thresholds(numeric=settings.numeric_statistic, categorical=settings.categorical_statistic,
                      defaults={**DEFAULT_THRESHOLDS, **{k: float(v) for k, v in (settings.thresholds or {}).items()}},
                      per_feature=per_feature, alpha=settings.alpha if alpha is None else alpha)


def predictions_dir(server_log: str | Path) -> Path:
    """Where a deployment's prediction log lives: beside its server log."""
    return Path(server_log).with_suffix(".predictions")


def server_env(settings: Monitoring | None, name: str, version: str, predictions: Path | None,
               upload_model_id: str | None = None, upload_path: str = "", max_request_mb: float | None = None,
               contract: Path | None = None, contract_mode: str = "log") -> dict[str, str]:
    """The environment of a monitored scoring server (no log when ``predictions`` is None;
    ``contract``: the contract file its requests are checked against)."""
    settings = settings or Monitoring()
    limit = settings.max_request_mb if max_request_mb is None else max_request_mb
    env = {ENV_MODEL_NAME: name, ENV_MODEL_VERSION: str(version),
           ENV_DRIFT_INTERVAL: str(settings.drift_interval_seconds), ENV_DRIFT_WINDOW: str(settings.window_rows),
           ENV_MAX_REQUEST_BYTES: str(int(limit * 1024 * 1024))}
    if contract is not None:
        env.update({ENV_CONTRACT: str(contract), ENV_CONTRACT_MODE: contract_mode})
    if predictions is not None:
        env.update({ENV_PREDICTIONS: str(predictions),
                    ENV_SEGMENT_BYTES: str(int(settings.log_segment_mb * 1024 * 1024)),
                    ENV_SEGMENT_SECONDS: str(settings.log_segment_minutes * 60),
                    ENV_RETENTION_SECONDS: str(settings.log_retention_hours * 3600),
                    ENV_RETENTION_BYTES: str(int(settings.log_retention_mb * 1024 * 1024)),
                    ENV_FSYNC: "1" if settings.log_fsync else ""})
        if upload_model_id:
            env.update({ENV_UPLOAD_MODEL_ID: upload_model_id, ENV_UPLOAD_PATH: upload_path})
    return env


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default
