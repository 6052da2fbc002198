"""Run one step: execute its code in a fresh namespace, as its own MLflow run.

The shared module's code and the step's code run in one namespace, as in the notebook,
so a shared function that reads a notebook global sees the step's inputs.  The step's
MLflow run is the active run while its code runs, so ``mlflow.log_*`` in a cell lands
on it.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_mlops.core import names, store

from . import artifacts, output
from .contracts import StepContracts
from .spec import PipelineSpec, StepSpec

# The tag contract lives in core/names.py; short local names for this module.
KIND_STEP = names.KIND_PIPELINE_STEP
KIND_PIPELINE = names.KIND_PIPELINE
TAG_PIPELINE = names.PIPELINE_NAME
TAG_STEP = names.PIPELINE_STEP
TAG_CACHE_KEY = names.PIPELINE_CACHE_KEY
TAG_CACHE_HIT = names.PIPELINE_CACHE_HIT
TAG_CACHED_FROM = names.PIPELINE_CACHED_FROM
TAG_SOURCE_RUN = names.PIPELINE_SOURCE_RUN
TAG_CODE_HASH = names.PIPELINE_CODE_HASH
PARENT_RUN = names.PARENT_RUN
OUTPUTS_DIR = "outputs"


class StepFailed(RuntimeError):
    def __init__(self, step: StepSpec, error: BaseException):
        where = f"cell {step.cell_index + 1}" + (f" (id {step.cell_id})" if step.cell_id else "")
        super().__init__(f"step '{step.name}' ({where}) failed: {type(error).__name__}: {error}")
        self.step = step.name


@dataclass
class Outcome:
    step: str
    run_id: str
    cached: bool
    outputs: dict[str, dict]  # name -> artifact record (with "run_id")
    values: dict[str, Any] = field(default_factory=dict)  # in-memory outputs when it ran here
    metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def step_params(step: StepSpec, overrides: dict[str, object]) -> dict[str, object]:
    return {k: overrides.get(k, v) for k, v in step.params.items()}


def cache_key(spec: PipelineSpec, step: StepSpec, params: dict, input_digests: dict[str, str]) -> str:
    """Code, parameters, input fingerprints and the content of the files the step reads."""
    from .workdir import file_digests

    payload = json.dumps({"code": spec.code_hash(step), "params": params, "inputs": input_digests,
                          **({"files": file_digests(step)} if step.files_read else {})},
                         sort_keys=True, default=repr)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def cacheable(step: StepSpec) -> bool:
    """A step that writes files is always run: a cache hit would not write them."""
    return not step.files_written


def execute(spec: PipelineSpec, step: StepSpec, inputs: dict[str, Any], params: dict) -> dict:
    """Run the step's code; returns its namespace."""
    namespace: dict[str, Any] = {"__name__": f"{spec.name}.steps.{step.name}", "__builtins__": __builtins__,
                                 "display": _display}
    shared = spec.shared_source()
    if shared:
        exec(compile(shared, str(spec.folder / spec.shared_file), "exec"), namespace)  # noqa: S102
    namespace.update(inputs)
    namespace.update(params)
    namespace["param"] = lambda name, default=None: params.get(name, default)
    code = compile(spec.source(step), str(spec.folder / step.file), "exec")
    exec(code, namespace)  # noqa: S102 - running the user's own exported cell is the point
    return namespace


def _metrics(namespace: dict, step: StepSpec) -> dict[str, float]:
    """``--metric`` variables as %%track logs them: numbers, or dicts of numbers."""
    from jupyter_mlops.core.tracking.capture import metric_values

    values, _problems = metric_values(namespace, step.metrics)
    return {key: value for key, value, _time, _step in values}


def run_step(client, spec: PipelineSpec, step: StepSpec, experiment_id: str, parent_run_id: str,
             inputs: dict[str, Any], input_records: dict[str, dict], params: dict, key: str, *,
             contracts: StepContracts) -> Outcome:
    """Execute ``step`` as a nested MLflow run; log params, metrics and outputs as artifacts.
    ``contracts`` are those of the pipeline run the step belongs to (it owns them)."""
    import mlflow
    from mlflow.entities import Metric, Param, RunTag

    started = time.perf_counter()
    tags = _tags(spec, step, parent_run_id, key, cached=False)
    tags[names.DATA_INPUTS] = json.dumps([_public(r) for r in input_records.values()])
    run = client.create_run(experiment_id, run_name=step.name, tags=tags)
    run_id = run.info.run_id
    try:
        with mlflow.start_run(run_id=run_id, log_system_metrics=False):
            contracts.check_reads(client, run_id, step, inputs)  # data contracts (runner/contracts.py)
            namespace = _execute_captured(client, run_id, spec, step, inputs, params)
            contracts.check_writes(client, run_id, step, namespace)
            metrics = _metrics(namespace, step)
            values = {}
            for name in step.outputs:
                if name not in namespace:
                    raise NameError(f"the step did not define '{name}', which a later step reads")
                values[name] = namespace[name]
            with tempfile.TemporaryDirectory(prefix="mlops-step-") as tmp:
                records = artifacts.save_all(values, Path(tmp))
                kept = _save_results(namespace, step, Path(tmp), run_id, client)
                if records or kept:
                    client.log_artifacts(run_id, tmp, OUTPUTS_DIR)
            _log_datasets(client, run_id, spec, inputs, namespace, [*values, *(r["name"] for r in kept)])
            now = int(time.time() * 1000)
            client.log_batch(
                run_id,
                metrics=[Metric(k, v, now, 0) for k, v in metrics.items()],
                params=[Param(k, str(v)[:6000]) for k, v in params.items()],
                tags=[RunTag(names.DATA_OUTPUTS,
                             json.dumps([_public(r) for r in [*records.values(), *kept]]))],
            )
    except BaseException as exc:
        client.set_tag(run_id, names.ERROR, f"{type(exc).__name__}: {exc}"[:names.MAX_TAG_VALUE])
        client.log_text(run_id, traceback.format_exc(), names.ARTIFACT_TRACEBACK)
        client.set_terminated(run_id, "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED")
        if isinstance(exc, Exception):
            raise StepFailed(step, exc) from exc
        raise
    for record in records.values():
        record["run_id"] = run_id
    return Outcome(step.name, run_id, False, records, values, metrics, time.perf_counter() - started)


def record_cache_hit(client, spec: PipelineSpec, step: StepSpec, experiment_id: str, parent_run_id: str,
                     key: str, cached_run, params: dict) -> Outcome:
    """A nested run that says which earlier run it reuses, with that run's metrics."""
    from mlflow.entities import Metric, Param

    started = time.perf_counter()
    tags = _tags(spec, step, parent_run_id, key, cached=True)
    tags[TAG_CACHED_FROM] = cached_run.info.run_id
    for tag in (names.DATA_INPUTS, names.DATA_OUTPUTS):
        if tag in cached_run.data.tags:
            tags[tag] = cached_run.data.tags[tag]
    run = client.create_run(experiment_id, run_name=f"{step.name} (cached)", tags=tags)
    now = int(time.time() * 1000)
    metrics = dict(cached_run.data.metrics)
    client.log_batch(run.info.run_id, metrics=[Metric(k, v, now, 0) for k, v in metrics.items()],
                     params=[Param(k, str(v)[:6000]) for k, v in params.items()])
    client.set_terminated(run.info.run_id, "FINISHED")
    outputs = {r["name"]: {**r, "run_id": cached_run.info.run_id}
               for r in json.loads(cached_run.data.tags.get(names.DATA_OUTPUTS, "[]"))}
    return Outcome(step.name, run.info.run_id, True, outputs, {}, metrics, time.perf_counter() - started)


def _display(*objects, **_options) -> None:
    """Jupyter's display() outside Jupyter: print what a notebook would have shown."""
    for obj in objects:
        print(obj)


def _execute_captured(client, run_id: str, spec, step: StepSpec, inputs: dict, params: dict) -> dict:
    """Run the step with its prints captured, logged to its run and echoed to stderr."""
    with output.captured() as streams:
        try:
            return execute(spec, step, inputs, params)
        finally:
            for name, path in (("stdout", names.ARTIFACT_STDOUT), ("stderr", names.ARTIFACT_STDERR)):
                text = streams[name].getvalue()
                if text:
                    client.log_text(run_id, text, path)
                    output.echo(step.name, text)


def _log_datasets(client, run_id: str, spec: PipelineSpec, inputs: dict, namespace: dict,
                  written: list[str]) -> None:
    """DataFrames and arrays as MLflow dataset inputs, as %%track logs them, so MLflow's
    own dataset search and the lineage index find the pipeline's runs."""
    from jupyter_mlops.core.tracking.capture import data_records
    from jupyter_mlops.core.tracking.sink import log_datasets

    records = data_records(inputs, inputs, "input", spec.notebook)
    records += data_records(namespace, written, "output", spec.notebook)
    records = [r for r in records if r.get("digest")]
    if records:
        log_datasets(client, run_id, records)


def _save_results(namespace: dict, step: StepSpec, folder: Path, run_id: str, client) -> list[dict]:
    """Keep what the step made that no step reads (a model, a report): best effort."""
    kept, skipped = [], []
    for name in step.results:
        if name not in namespace or callable(namespace[name]) and not hasattr(namespace[name], "predict"):
            continue
        try:
            kept.append({**artifacts.save(namespace[name], folder, name), "result": True})
        except artifacts.NotPassable:
            skipped.append(name)
    if skipped:
        client.set_tag(run_id, names.WARNING, f"not kept (cannot be written to a file): {', '.join(skipped)}")
    return kept


def find_cached(client, experiment_id: str, key: str, step: StepSpec | None = None):
    if step is not None and not cacheable(step):
        return None
    return store.find_run(client, [experiment_id], store.equals(store.tag(TAG_CACHE_KEY), key),
                          store.equals(store.tag(TAG_CACHE_HIT), "false"), "attributes.status = 'FINISHED'")


def load_output(client, record: dict, folder: Path, bundles: dict | None = None) -> Any:
    """The value of an output record; ``bundles`` caches bundle files by (run, file), so
    names written together come back as one set of objects."""
    key = (record["run_id"], record["file"])
    if record["format"] == "bundle" and bundles is not None and key in bundles:
        return bundles[key][record["key"]]
    path = client.download_artifacts(record["run_id"], f"{OUTPUTS_DIR}/{record['file']}", str(folder))
    value = artifacts.load(Path(path), record["format"])
    if record["format"] != "bundle":
        return value
    if bundles is not None:
        bundles[key] = value
    return value[record["key"]]


def _public(record: dict) -> dict:
    keys = ("name", "digest", "kind", "shape", "format", "file", "result", "key")
    return {k: record[k] for k in keys if k in record}


def _tags(spec: PipelineSpec, step: StepSpec, parent_run_id: str, key: str, cached: bool) -> dict:
    tags = {
        PARENT_RUN: parent_run_id,
        names.KIND: KIND_STEP,
        names.NOTEBOOK: spec.notebook,
        names.SOURCE_NAME: spec.notebook,
        TAG_PIPELINE: spec.name,
        TAG_STEP: step.name,
        TAG_CACHE_KEY: key,
        TAG_CACHE_HIT: "true" if cached else "false",
        TAG_CODE_HASH: spec.code_hash(step),
    }
    if step.cell_id:
        tags[names.CELL_ID] = step.cell_id
    if step.source_run_id:
        tags[TAG_SOURCE_RUN] = step.source_run_id
    return tags
