"""A drift check of one deployment, recorded as an MLflow run; the deployment's predictions.

``check(ref, ...)`` reads the deployment's newest logged rows (``window``: a row count
such as ``5000`` or a time such as ``30m``, ``1h``, ``2d``), compares them with the
version's reference profile (drift.py) and, with ``record=True``, logs a run in the
experiment ``monitoring/<model>``:

- metrics ``drift.<feature>`` (and ``drift.prediction``), ``drifted_columns``, ``live_rows``;
- tags ``mlops.kind=monitor``, ``mlops.monitor.model`` / ``version`` / ``deployment`` /
  ``port`` / ``status`` (``ok`` or ``alert``) / ``drifted`` / ``window``;
- artifact ``mlops/drift.json`` (the table);

and writes the outcome on the deployment (version tag ``mlops.monitor.status.<port>``).

``predictions(ref, since=..., limit=...)`` returns the log as rows.  The log is read from
the deployment's folder on this machine, else from the segments uploaded to the version's
artifacts (an MLflow server).
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import names, store
from ..errors import InvalidInput, NotFound
from . import drift, predlog, records, reference
from .settings import Monitoring, predictions_dir, thresholds_for

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class UnknownDeployment(NotFound):
    default_code = "unknown_deployment"


@dataclass
class CheckResult:
    ref: str
    name: str
    version: str
    port: int
    window: str
    live_rows: int
    rows: list[dict]
    drifted: list[str] = field(default_factory=list)
    status: str = "ok"  # "ok", "alert" or "no_data"
    run_id: str | None = None

    def frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=drift.COLUMNS)

    def to_dict(self) -> dict:
        return {"ref": self.ref, "name": self.name, "version": self.version, "port": self.port, "window": self.window,
                "live_rows": self.live_rows, "rows": self.rows, "drifted": self.drifted, "status": self.status,
                "run_id": self.run_id}


def parse_window(text: str | None) -> tuple[int | None, float | None]:
    """``"5000"`` -> (5000, None); ``"1h"`` -> (None, 3600.0); InvalidInput otherwise."""
    text = (text or "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text), None
    found = _DURATION.match(text)
    if found and float(found.group(1)) > 0:
        return None, float(found.group(1)) * _SECONDS[found.group(2)]
    raise InvalidInput(f"window {text!r} is neither a number of rows (e.g. 5000) nor a time (e.g. 30m, 1h, 2d).")


def find_deployment(client, ref: str):
    """The recorded deployment ``ref`` (NAME@ALIAS, NAME/VERSION, or NAME when it has one)."""
    from ..models.deploy import deployments, parse_ref

    name, alias, version = parse_ref(ref)
    found = [d for d in deployments(client, check_health=False, name=name)
             if (alias is None or d.alias == alias) and (version is None or d.version == version)]
    if alias is None and version is not None:
        found = [d for d in found if d.alias is None] or found
    if len(found) != 1:
        running = ", ".join(sorted(d.ref for d in deployments(client, check_health=False))) or "none"
        what = "several deployments" if found else "no deployment"
        raise UnknownDeployment(f"There is {what} of {ref!r} (deployments: {running}); name one as NAME@ALIAS or "
                                "NAME/VERSION, as `%deployments` lists them.")
    return found[0]


def predictions(ref: str, *, tracking_uri: str | None = None, since: float | None = None, limit: int | None = None,
                errors: bool = False):
    """The deployment's logged predictions as a DataFrame (records.META, the features,
    ``prediction``), oldest first; ``since`` is epoch seconds."""
    client = _client(tracking_uri)
    deployment = find_deployment(client, ref)
    columns = _profile_columns(client, deployment)
    with _log_folder(client, deployment) as folder:
        found = predlog.read_records(folder, since=since)
    if not errors:
        found = [r for r in found if r.get("status") == 200]
    return records.records_frame(found[-limit:] if limit else found, columns=columns, errors=errors)


def check(ref: str, *, tracking_uri: str | None = None, window: str | None = None,
          overrides: dict[str, float] | None = None, settings: Monitoring | None = None,
          record: bool = True) -> CheckResult:
    """Compare the deployment's live window with its version's reference profile; see the
    module docstring.  UnknownDeployment, reference.NoReferenceProfile, InvalidInput."""
    settings = settings or Monitoring()
    rows_wanted, seconds = parse_window(window) if window else (settings.window_rows, None)
    client = _client(tracking_uri)
    deployment = find_deployment(client, ref)
    try:
        thresholds = thresholds_for(deployment.name, settings, overrides)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    version = store.model_version_or_none(client, deployment.name, deployment.version)
    if version is None:
        raise UnknownDeployment(f"{deployment.ref} serves v{deployment.version}, which no longer exists.")
    profile = reference.load_profile(client, version)
    since = time.time() - seconds if seconds else None
    with _log_folder(client, deployment) as folder:
        found = predlog.read_records(folder, since=since, limit=rows_wanted)
    live = records.records_frame(found, columns=list(profile["columns"]))
    if rows_wanted:
        live = live.tail(rows_wanted)
    window_text = window or f"{rows_wanted} rows"
    result = CheckResult(ref=deployment.ref, name=deployment.name, version=deployment.version,
                         port=deployment.port, window=window_text, live_rows=len(live), rows=[])
    if len(live):
        result.rows = drift.compare(profile, live, live["prediction"] if "prediction" in live else None, thresholds)
        result.drifted = [r["feature"] for r in result.rows if r["drifted"]]
        result.status = "alert" if result.drifted else "ok"
    else:
        result.status = "no_data"
    if record:
        result.run_id = record_check(client, result)
    return result


def record_check(client, result: CheckResult) -> str:
    """Log the check as a run in the model's monitoring experiment and mark the deployment."""
    from mlflow.entities import Metric, Param, RunTag

    experiment = store.experiment_id(client, names.MONITORING_EXPERIMENT.format(name=result.name))
    # The status comes last, in one batch with the figures: the retraining watcher looks for
    # alert runs by that tag, and must never find one before its drift figures.
    tags = {names.KIND: names.KIND_MONITOR, names.MONITOR_MODEL: result.name,
            names.MONITOR_VERSION: result.version, names.MONITOR_DEPLOYMENT: result.ref,
            names.MONITOR_PORT: str(result.port),
            names.MONITOR_DRIFTED: json.dumps(result.drifted)[: names.MAX_TAG_VALUE],
            names.MONITOR_WINDOW: result.window}
    run = client.create_run(experiment, tags=tags, run_name=f"check {result.ref} v{result.version}")
    now = int(time.time() * 1000)
    metrics = [Metric("live_rows", result.live_rows, now, 0), Metric("drifted_columns", len(result.drifted), now, 0)]
    params = []
    for row in result.rows:
        key = metric_key(row["feature"], row["role"])
        if row["value"] == row["value"]:  # not NaN
            metrics.append(Metric(key, float(row["value"]), now, 0))
        params.append(Param(f"threshold.{key[len('drift.'):]}"[: names.MLFLOW_MAX_KEY_LENGTH],
                            f"{row['statistic']} > {row['threshold']:g}"))
    client.log_batch(run.info.run_id, metrics=metrics, params=params[:100],
                     tags=[RunTag(names.RUN_NAME, f"check {result.ref} v{result.version}"),
                           RunTag(names.MONITOR_STATUS, result.status)])
    client.log_text(run.info.run_id, json.dumps(result.to_dict(), default=float), names.ARTIFACT_MONITOR_REPORT)
    client.set_terminated(run.info.run_id)
    status = {"status": result.status, "run_id": run.info.run_id, "time": now, "drifted": result.drifted}
    client.set_model_version_tag(result.name, result.version, names.MONITOR_STATUS_TAG.format(port=result.port),
                                 json.dumps(status)[: names.MLFLOW_MAX_MODEL_TAG_VALUE_LENGTH])
    return run.info.run_id


def metric_key(feature: str, role: str = "feature") -> str:
    """``drift.<feature>`` with the characters MLflow refuses in a key replaced by ``_``."""
    cleaned = re.sub(r"[^A-Za-z0-9_\-. /]", "_", feature) or "_"
    return ("drift.prediction" if role == "prediction" else f"drift.feature.{cleaned}")[: names.MLFLOW_MAX_KEY_LENGTH]


def deployment_status(version, port: int) -> dict | None:
    """The last check's outcome recorded on a deployment (``record_check``), or None."""
    raw = version.tags.get(names.MONITOR_STATUS_TAG.format(port=port))
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _client(tracking_uri: str | None):
    if tracking_uri is None:
        from ..config import resolve

        tracking_uri = resolve().tracking_uri
    return store.client(tracking_uri)


def _profile_columns(client, deployment) -> list[str] | None:
    version = store.model_version_or_none(client, deployment.name, deployment.version)
    if version is None or not reference.has_profile(version):
        return None
    try:
        return list(reference.load_profile(client, version)["columns"])
    except (NotFound, ValueError, OSError):
        return None


class _log_folder:
    """The deployment's log folder here, or its uploaded segments downloaded to a temporary one."""

    def __init__(self, client, deployment):
        self.client = client
        self.deployment = deployment
        self._temp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Path:
        local = predictions_dir(self.deployment.log) if self.deployment.log else None
        if local is not None and local.is_dir():
            return local
        self._temp = tempfile.TemporaryDirectory()
        folder = Path(self._temp.name)
        version = store.model_version_or_none(self.client, self.deployment.name, self.deployment.version)
        model_id = reference.model_id_of(version) if version is not None else None
        if model_id:
            from mlflow.artifacts import download_artifacts

            logged = self.client.get_logged_model(model_id)
            path = f"{names.ARTIFACT_PREDICTIONS}/{self.deployment.port}"
            try:
                download_artifacts(artifact_uri=f"{logged.artifact_location.rstrip('/')}/{path}", dst_path=str(folder),
                                   tracking_uri=self.client.tracking_uri)
            except Exception:  # noqa: BLE001, S110 - nothing uploaded yet: an empty log
                pass
            nested = folder / str(self.deployment.port)
            return nested if nested.is_dir() else folder
        return folder

    def __exit__(self, *exc) -> None:
        if self._temp is not None:
            self._temp.cleanup()
