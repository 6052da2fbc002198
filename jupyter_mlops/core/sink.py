"""Apply journal entries to an MLflow store (runs the drainer's side of the journal).

Each entry is idempotent to re-apply: runs are created once per idempotency key
(``mlops.run_key``), params/tags/artifacts overwrite with the same values, metrics carry
their original timestamps and MLflow ignores exact duplicates.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from . import names, store
from .journal import Journal, RunRow

_COLSPEC_TYPES = {
    "float64": "double", "float32": "float", "int64": "long", "int32": "integer", "int16": "integer",
    "int8": "integer", "uint8": "integer", "uint16": "integer", "uint32": "long", "bool": "boolean",
    "boolean": "boolean", "Int64": "long", "Int32": "integer", "Float64": "double",
}


class Transient(Exception):
    """The store could not be reached or was busy: retry later, keep the entry."""


def classify(exc: BaseException) -> BaseException:
    """Wrap errors that a later retry can fix in :class:`Transient`."""
    text = f"{type(exc).__name__}: {exc}"
    markers = ("Max retries exceeded", "Connection refused", "ConnectionError", "timed out", "Timeout",
               "database is locked", "TEMPORARILY_UNAVAILABLE", "Connection aborted", "RemoteDisconnected",
               "Name or service not known", "OperationalError", "503", "502", "504")
    if isinstance(exc, (ConnectionError, TimeoutError, OSError)) or any(m in text for m in markers):
        return Transient(text)
    return exc


class Sink:
    """Writes journal entries into MLflow; one per drainer process."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._experiments: dict[tuple[str, str], str] = {}
        self._environments: dict[tuple[str, str], str] = {}

    # -- runs --------------------------------------------------------------------------
    def _experiment_id(self, uri: str, name: str) -> str:
        cache_key = (uri, name)
        if cache_key not in self._experiments:
            self._experiments[cache_key] = store.experiment_id(store.client(uri), name)
        return self._experiments[cache_key]

    def _ensure_run(self, row: RunRow, start: dict) -> str:
        if row.run_id:
            return row.run_id
        client = store.client(row.tracking_uri)
        experiment_id = self._experiment_id(row.tracking_uri, row.experiment)
        if row.create_attempted:  # a create may have landed before we lost the answer
            found = client.search_runs(
                [experiment_id], filter_string=f"tags.`{names.RUN_KEY}` = '{row.key}'", max_results=1
            )
            if found:
                self.journal.set_run_id(row.key, found[0].info.run_id, experiment_id)
                row.run_id = found[0].info.run_id
                return row.run_id
        self.journal.mark_create_attempted(row.key)
        tags = {**start.get("tags", {}), names.RUN_KEY: row.key}
        run = client.create_run(
            experiment_id, start_time=start.get("start_time"), tags=tags, run_name=start.get("run_name")
        )
        self.journal.set_run_id(row.key, run.info.run_id, experiment_id)
        row.run_id = run.info.run_id
        return row.run_id

    def apply(self, row: RunRow, payload: dict, blobs: dict[str, bytes]) -> None:
        """Apply one (possibly merged, see :func:`merge`) payload to the run of ``row``."""
        from mlflow.entities import Metric, Param, RunTag
        from mlflow.exceptions import MlflowException

        run_id = self._ensure_run(row, payload.get("start", {}))
        client = store.client(row.tracking_uri)
        tags = dict(payload.get("tags", {}))
        environment = payload.get("environment")
        if environment:
            tags.update(self._environment_tags(row.tracking_uri, environment))
        metrics = [Metric(k, float(v), int(ts), int(step)) for k, v, ts, step in payload.get("metrics", [])]
        tag_list = [RunTag(k, str(v)[: names.MAX_TAG_VALUE]) for k, v in tags.items()]
        params = [Param(k, str(v)[:6000]) for k, v in payload.get("params", {}).items()]
        if len(metrics) <= 1000 and len(tag_list) <= 100 and len(params) <= 100:
            try:  # the common case: one call
                client.log_batch(run_id, metrics=metrics, params=params, tags=tag_list)
                params = []
            except MlflowException as exc:
                if "INVALID_PARAMETER_VALUE" not in str(exc.error_code) or not params:
                    raise
                client.log_batch(run_id, metrics=metrics, tags=tag_list)
        else:
            for i in range(0, max(len(metrics), len(tag_list)), 100):
                client.log_batch(run_id, metrics=metrics[i : i + 100], tags=tag_list[i : i + 100])
        if params:
            self._log_params(client, run_id, params)
        if payload.get("datasets"):
            log_datasets(client, run_id, payload["datasets"])
        if blobs:
            self._log_blobs(client, run_id, blobs)
        end = payload.get("end")
        if end:
            client.set_terminated(run_id, status=end["status"], end_time=end.get("end_time"))

    # -- pieces ------------------------------------------------------------------------
    @staticmethod
    def _log_params(client, run_id: str, items: list) -> None:
        from mlflow.exceptions import MlflowException

        for i in range(0, len(items), 100):
            try:
                client.log_batch(run_id, params=items[i : i + 100])
            except MlflowException as exc:
                if "INVALID_PARAMETER_VALUE" not in str(exc.error_code):
                    raise
                # The cell logged one of these params itself with another value: keep its value.
                for param in items[i : i + 100]:
                    try:
                        client.log_batch(run_id, params=[param])
                    except MlflowException:
                        client.set_tag(run_id, names.WARNING, f"param {param.key!r} kept the value the cell logged")

    @staticmethod
    def _log_blobs(client, run_id: str, blobs: dict[str, bytes]) -> None:
        with tempfile.TemporaryDirectory(prefix="mlops-artifacts-") as tmp:
            for path, data in blobs.items():
                target = Path(tmp, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            client.log_artifacts(run_id, tmp)

    def _environment_tags(self, uri: str, environment: dict) -> dict[str, str]:
        """Store each distinct environment once, as a run in the environments experiment."""
        digest = environment["hash"]
        tags = {names.ENV_HASH: digest, names.PYTHON_VERSION: environment.get("python", "")}
        cache_key = (uri, digest)
        if cache_key not in self._environments:
            client = store.client(uri)
            experiment_id = self._experiment_id(uri, names.ENVIRONMENTS_EXPERIMENT)
            found = client.search_runs([experiment_id], filter_string=f"tags.`{names.ENV_HASH}` = '{digest}'",
                                       max_results=1)
            if found:
                self._environments[cache_key] = found[0].info.run_id
            elif environment.get("requirements") is not None:
                run = client.create_run(experiment_id, run_name=f"env-{digest[:12]}",
                                        tags={names.ENV_HASH: digest, names.PYTHON_VERSION: environment.get("python", "")})
                client.log_text(run.info.run_id, environment["requirements"], names.ARTIFACT_REQUIREMENTS)
                client.set_terminated(run.info.run_id)
                self._environments[cache_key] = run.info.run_id
            else:
                return tags
        tags[names.ENV_RUN_ID] = self._environments[cache_key]
        return tags


def log_datasets(client, run_id: str, datasets: list[dict]) -> None:
    """Log dataset records (see capture.data_records) as MLflow dataset inputs whose
    digest is our full-content fingerprint; ``role`` becomes the dataset context."""
    from mlflow.entities import Dataset, DatasetInput, InputTag

    inputs = []
    for item in datasets:
        if item.get("kind") == "numpy.ndarray":
            shape = item.get("shape") or []
            spec = [{"type": "tensor", "tensor-spec": {"dtype": (item.get("columns") or [["", "float64"]])[0][1],
                                                      "shape": [-1, *shape[1:]]}}]
            schema = {"mlflow_tensorspec": {"features": json.dumps(spec), "targets": None}}
            profile = {"features_shape": shape, "features_nbytes": item.get("nbytes")}
        else:
            schema = {"mlflow_colspec": [
                {"type": _COLSPEC_TYPES.get(dtype, "datetime" if dtype.startswith("datetime") else "string"),
                 "name": name, "required": True} for name, dtype in item.get("columns", [])]}
            shape = item.get("shape") or [0, 0]
            profile = {"num_rows": shape[0], "num_elements": shape[0] * (shape[1] if len(shape) > 1 else 1)}
        source = {"tags": {names.SOURCE_NAME: item.get("source", ""), "mlops.variable": item["name"]}}
        dataset = Dataset(item["name"], item["digest"], "code", json.dumps(source),
                          json.dumps(schema), json.dumps(profile))
        role = item.get("role", "input")
        inputs.append(DatasetInput(dataset, tags=[InputTag(names.DATASET_CONTEXT, role),
                                                  InputTag(names.DATASET_ROLE, role)]))
    client.log_inputs(run_id, datasets=inputs)


def merge(payloads: list[dict]) -> dict:
    """Fold consecutive entries of one run into one payload (later values win)."""
    merged: dict = {"tags": {}, "params": {}, "metrics": [], "datasets": []}
    for payload in payloads:
        for field in ("tags", "params"):
            merged[field].update(payload.get(field, {}))
        merged["metrics"].extend(payload.get("metrics", []))
        merged["datasets"].extend(payload.get("datasets", []))
        for field in ("start", "end"):
            if field in payload:
                merged[field] = payload[field]
        if "environment" in payload:
            environment = dict(payload["environment"])
            if "requirements" not in environment and "environment" in merged:
                environment.setdefault("requirements", merged["environment"].get("requirements"))
            merged["environment"] = environment
    return merged
