"""The monitored scoring server's ASGI app, for ``uvicorn jupyter_mlops.core.monitoring.scoring_app:app``.

MLflow's own app is built the way ``mlflow.pyfunc.scoring_server.app`` builds it (the model
folder from the variable MLflow's ``get_cmd`` sets, read through ``store.compat``), then wrapped in ``MonitoredApp``
with the log and metrics the environment asks for (settings.py: ``server_env``).  A
background thread reads the reference profile once and recomputes the drift gauges from
the newest logged rows every ``JUPYTER_MLOPS_DRIFT_INTERVAL`` seconds.  The request size
limit and the data contract (a file ``%deploy`` wrote beside the server's log, read and
compiled once here) come from the environment too.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from mlflow.pyfunc import scoring_server

from ..store import compat
from .app import MonitoredApp
from .metrics import ServerMetrics
from .predlog import PredictionLog
from .settings import (
    DEFAULT_MAX_REQUEST_MB,
    ENV_CONTRACT,
    ENV_CONTRACT_MODE,
    ENV_DRIFT_INTERVAL,
    ENV_DRIFT_WINDOW,
    ENV_FSYNC,
    ENV_MAX_REQUEST_BYTES,
    ENV_MODEL_NAME,
    ENV_MODEL_VERSION,
    ENV_PREDICTIONS,
    ENV_RETENTION_BYTES,
    ENV_RETENTION_SECONDS,
    ENV_SEGMENT_BYTES,
    ENV_SEGMENT_SECONDS,
    ENV_UPLOAD_MODEL_ID,
    ENV_UPLOAD_PATH,
    env_float,
)
from .uploads import uploader

logger = logging.getLogger(__name__)


def _log_from_env() -> PredictionLog | None:
    folder = os.environ.get(ENV_PREDICTIONS)
    if not folder:
        return None
    model_id = os.environ.get(ENV_UPLOAD_MODEL_ID)
    return PredictionLog(
        Path(folder), segment_bytes=int(env_float(ENV_SEGMENT_BYTES, 64 * 1024 * 1024)),
        segment_seconds=env_float(ENV_SEGMENT_SECONDS, 3600), retention_seconds=env_float(ENV_RETENTION_SECONDS,
                                                                                          7 * 86400),
        retention_bytes=int(env_float(ENV_RETENTION_BYTES, 1024 ** 3)), fsync=bool(os.environ.get(ENV_FSYNC)),
        on_rotate=uploader(os.environ.get("MLFLOW_TRACKING_URI"), model_id, os.environ.get(ENV_UPLOAD_PATH, ""))
        if model_id else None)


def _watch_drift(metrics: ServerMetrics, log: PredictionLog, name: str, version: str) -> None:
    """Recompute the drift gauges now and then; without a profile there are none."""
    from .drift import compare
    from .predlog import read_records
    from .records import records_frame
    from .reference import version_profile
    from .settings import thresholds_for

    interval = env_float(ENV_DRIFT_INTERVAL, 60)
    window = int(env_float(ENV_DRIFT_WINDOW, 10_000))
    try:
        profile = version_profile(os.environ["MLFLOW_TRACKING_URI"], name, version)
    except Exception as exc:  # noqa: BLE001 - no profile, no store: no drift gauges
        logger.info("jupyter-mlops: no drift gauges (%s)", exc)
        return
    columns = list(profile["columns"])
    thresholds = thresholds_for(name)
    while True:
        time.sleep(interval)
        try:
            frame = records_frame(read_records(log.folder, limit=window), columns=columns)
            frame = frame.tail(window)
            if len(frame):
                metrics.drift_rows(compare(profile, frame, frame.get("prediction"), thresholds))
        except Exception as exc:  # noqa: BLE001 - a bad window must not stop the gauges for good
            logger.warning("jupyter-mlops: drift gauges not updated: %s", exc)


def _contract_from_env():
    path = os.environ.get(ENV_CONTRACT)
    if not path:
        return None
    from ..contracts import parse
    from .contract_check import RequestContract

    contract = parse(Path(path).read_text(encoding="utf-8"), path)  # a bad file stops the start, with its line
    return RequestContract(contract, os.environ.get(ENV_CONTRACT_MODE) or "log")


def build() -> MonitoredApp:
    model = scoring_server.load_model_with_mlflow_config(compat.scoring_server_model_path())
    name = os.environ.get(ENV_MODEL_NAME, "model")
    version = os.environ.get(ENV_MODEL_VERSION, "")
    log = _log_from_env()
    metrics = ServerMetrics(name, version)
    contract = _contract_from_env()
    if contract is not None:
        metrics.contract_info.labels(contract=contract.contract.name, mode=contract.mode).set(1)
    if log is not None and os.environ.get("MLFLOW_TRACKING_URI"):
        threading.Thread(target=_watch_drift, args=(metrics, log, name, version), daemon=True,
                         name="mlops-drift").start()
    return MonitoredApp(scoring_server.init(model), log, metrics, version, contract=contract,
                        max_body_bytes=int(env_float(ENV_MAX_REQUEST_BYTES, DEFAULT_MAX_REQUEST_MB * 1024 * 1024)))


app = build()
