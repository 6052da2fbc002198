"""Apply journal entries to an MLflow store (runs the drainer's side of the journal).

Each entry is idempotent to re-apply: runs are created once per idempotency key
(``mlops.run_key``), params/tags/artifacts overwrite with the same values, metrics carry
their original timestamps and MLflow ignores exact duplicates.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from .. import names, store
from . import notebooks
from .capture import key_problem
from .journal import Journal, RunRow
from .records import Entry, Environment, RunStart, now_ms

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
        self._renames_seen = notebooks.rename_generation(journal.state_dir)

    # -- runs --------------------------------------------------------------------------
    def _experiment_id(self, uri: str, name: str) -> str:
        cache_key = (uri, name)
        renamed = notebooks.rename_generation(self.journal.state_dir)
        if renamed != self._renames_seen:  # a notebook's experiment was renamed: names moved
            self._experiments.clear()
            self._renames_seen = renamed
        if cache_key not in self._experiments:
            self._experiments[cache_key] = store.experiment_id(store.client(uri), name)
        return self._experiments[cache_key]

    def _ensure_run(self, row: RunRow, start: RunStart | None) -> str:
        if row.run_id:
            return row.run_id
        client = store.client(row.tracking_uri)
        experiment_id = self._experiment_id(row.tracking_uri, row.experiment)
        if row.create_attempted:  # a create may have landed before we lost the answer
            found = store.find_run(client, [experiment_id], store.equals(store.tag(names.RUN_KEY), row.key))
            if found is not None:
                self.journal.set_run_id(row.key, found.info.run_id, experiment_id)
                row.run_id = found.info.run_id
                return row.run_id
        self.journal.mark_create_attempted(row.key)
        start = start or RunStart(now_ms(), None)
        tags = {k: _clean(v, names.MAX_TAG_VALUE) for k, v in start.tags.items() if _acceptable("tag", k, [])}
        tags[names.RUN_KEY] = row.key
        run_name = _clean(start.run_name, names.MLFLOW_MAX_RUN_NAME_LENGTH) if start.run_name else None
        run = client.create_run(experiment_id, start_time=start.start_time, tags=tags, run_name=run_name)
        self.journal.set_run_id(row.key, run.info.run_id, experiment_id)
        row.run_id = run.info.run_id
        return row.run_id

    def apply(self, row: RunRow, entry: Entry, blobs: dict[str, bytes]) -> None:
        """Apply one (possibly merged, see :func:`records.merge`) entry to the run of ``row``.

        A value MLflow refuses (a key too long or malformed, a dataset it will not take)
        is left out and named in the run's ``mlops.warning`` tag: the rest of the run is
        written and the run is terminated, never left RUNNING over one value."""
        from mlflow.entities import Metric, Param, RunTag

        run_id = self._ensure_run(row, entry.start)
        client = store.client(row.tracking_uri)
        tags = dict(entry.tags)
        if entry.environment is not None:
            tags.update(self._environment_tags(row.tracking_uri, entry.environment))
        left_out: list[str] = []
        metrics = [Metric(m.key, m.value, m.timestamp, m.step) for m in entry.metrics
                   if _acceptable("metric", m.key, left_out)]
        tag_list = [RunTag(k, _clean(v, names.MAX_TAG_VALUE)) for k, v in tags.items()
                    if _acceptable("tag", k, left_out)]
        params = [Param(k, _clean(v, names.MLFLOW_MAX_PARAM_VALUE_LENGTH)) for k, v in entry.params.items()
                  if _acceptable("param", k, left_out)]
        if len(metrics) <= 1000 and len(tag_list) <= 100 and len(params) <= 100:
            try:  # the common case: one call
                client.log_batch(run_id, metrics=metrics, params=params, tags=tag_list)
                params, metrics, tag_list = [], [], []
            except Exception as exc:  # noqa: BLE001 - a refused value: write them one by one below
                if not _refused(exc):
                    raise
        if params:
            self._log_params(client, run_id, params)
        if metrics or tag_list:
            self._log_each(client, run_id, metrics, tag_list, left_out)
        if entry.datasets:
            try:
                log_datasets(client, run_id, entry.datasets)
            except Exception as exc:  # noqa: BLE001 - refused datasets are named, the run goes on
                if not _refused(exc):
                    raise
                left_out.append(f"datasets {[d.get('name') for d in entry.datasets]} ({_short(exc)})")
        if blobs:
            self._log_blobs(client, run_id, blobs)
        if left_out:
            warning = "; ".join(filter(None, [tags.get(names.WARNING), "not written, MLflow refused: "
                                              + "; ".join(left_out)]))
            client.set_tag(run_id, names.WARNING, warning[: names.MAX_TAG_VALUE])
        if entry.end is not None:
            client.set_terminated(run_id, status=entry.end.status, end_time=entry.end.end_time)

    def give_up(self, row: RunRow, entry: Entry, message: str) -> None:
        """Entries of a finished run failed for good: terminate the run anyway (with its
        own status and a warning), so it does not stay RUNNING.  The entries stay in the
        journal as failed; ``sync --retry-failed`` writes them again."""
        run_id = row.run_id or self.journal.run_id(row.key)
        if entry.end is None or run_id is None:
            return
        client = store.client(row.tracking_uri)
        client.set_tag(run_id, names.WARNING, f"part of this run could not be written ({message})"[:1000])
        client.set_terminated(run_id, status=entry.end.status, end_time=entry.end.end_time)

    @staticmethod
    def _log_each(client, run_id: str, metrics: list, tags: list, left_out: list[str]) -> None:
        """Metrics and tags in batches of 100; a refused batch is retried item by item and
        what MLflow still refuses is left out (and named)."""
        for i in range(0, max(len(metrics), len(tags)), 100):
            chunk_metrics, chunk_tags = metrics[i : i + 100], tags[i : i + 100]
            try:
                client.log_batch(run_id, metrics=chunk_metrics, tags=chunk_tags)
                continue
            except Exception as exc:  # noqa: BLE001
                if not _refused(exc):
                    raise
            for what, item in [("metric", m) for m in chunk_metrics] + [("tag", t) for t in chunk_tags]:
                try:
                    if what == "metric":
                        client.log_batch(run_id, metrics=[item])
                    else:
                        client.log_batch(run_id, tags=[item])
                except Exception as exc:  # noqa: BLE001
                    if not _refused(exc):
                        raise
                    left_out.append(f"{what} {item.key[:80]!r} ({_short(exc)})")

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
                        client.set_tag(run_id, names.WARNING,
                                       f"param {param.key[:80]!r} kept the value the cell logged, or MLflow refused it")

    @staticmethod
    def _log_blobs(client, run_id: str, blobs: dict[str, bytes]) -> None:
        with tempfile.TemporaryDirectory(prefix="mlops-artifacts-") as tmp:
            for path, data in blobs.items():
                target = Path(tmp, path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            client.log_artifacts(run_id, tmp)

    def _environment_tags(self, uri: str, environment: Environment) -> dict[str, str]:
        """Store each distinct environment once, as a run in the environments experiment."""
        digest = environment.hash
        tags = {names.ENV_HASH: digest, names.PYTHON_VERSION: environment.python}
        cache_key = (uri, digest)
        if cache_key not in self._environments:
            client = store.client(uri)
            experiment_id = self._experiment_id(uri, names.ENVIRONMENTS_EXPERIMENT)
            found = store.find_run(client, [experiment_id], store.equals(store.tag(names.ENV_HASH), digest))
            if found is not None:
                self._environments[cache_key] = found.info.run_id
            elif environment.requirements is not None:
                run = client.create_run(experiment_id, run_name=f"env-{digest[:12]}",
                                        tags={names.ENV_HASH: digest, names.PYTHON_VERSION: environment.python})
                client.log_text(run.info.run_id, environment.requirements, names.ARTIFACT_REQUIREMENTS)
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
            schema: dict = {"mlflow_tensorspec": {"features": json.dumps(spec), "targets": None}}
            profile: dict = {"features_shape": shape, "features_nbytes": item.get("nbytes")}
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


def _acceptable(what: str, key: str, left_out: list[str]) -> bool:
    """False (and the key named in ``left_out``) for a key MLflow would refuse."""
    problem = key_problem(str(key))
    if problem:
        left_out.append(f"{what} {str(key)[:80]!r} {problem}")
    return problem is None


def _clean(value, limit: int) -> str:
    """A value MLflow stores: text without NUL characters (PostgreSQL refuses them),
    at most ``limit`` characters."""
    return str(value).replace("\x00", "")[:limit]


def _refused(exc: BaseException) -> bool:
    """MLflow refused a value (as opposed to a store that is down or busy)."""
    from mlflow.exceptions import MlflowException

    return isinstance(exc, MlflowException) and "INVALID_PARAMETER_VALUE" in str(exc.error_code)


def _short(exc: BaseException) -> str:
    return str(getattr(exc, "message", exc))[:200]
