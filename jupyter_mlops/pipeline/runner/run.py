"""Run an exported pipeline: steps in dependency order, independent ones in parallel,
each an MLflow run nested under one pipeline run; unchanged steps are cache hits."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from jupyter_mlops.core import names

from . import step as steps
from .spec import PipelineSpec, load_spec

Progress = Callable[[dict], None]


@dataclass
class PipelineResult:
    run_id: str
    experiment_id: str
    outcomes: dict[str, steps.Outcome] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def metrics(self) -> dict[str, dict[str, float]]:
        return {name: o.metrics for name, o in self.outcomes.items()}

    @property
    def cached(self) -> list[str]:
        return [name for name, o in self.outcomes.items() if o.cached]


def open_store(tracking_uri: str | None = None):
    """(client, uri) for ``tracking_uri`` or the store jupyter-mlops resolves."""
    import mlflow

    from jupyter_mlops.core import config, store

    uri = tracking_uri or config.resolve().tracking_uri
    mlflow.set_tracking_uri(uri)
    return store.client(uri), uri


def check_params(spec: PipelineSpec, overrides: dict[str, object]) -> None:
    unknown = sorted(set(overrides) - set(spec.params))
    if unknown:
        known = ", ".join(sorted(spec.params)) or "none"
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; this pipeline's parameters: {known}")


def run_pipeline(folder: str | Path, params: dict[str, object] | None = None, force: bool = False,
                 tracking_uri: str | None = None, experiment: str | None = None,
                 workers: int | None = None, progress: Progress | None = None) -> PipelineResult:
    from jupyter_mlops.core import store

    started = time.perf_counter()
    spec = load_spec(folder)
    overrides = dict(params or {})
    check_params(spec, overrides)
    client, _uri = open_store(tracking_uri)
    exp_id = store.experiment_id(client, experiment or spec.experiment)
    effective = {**spec.params, **overrides}
    parent = client.create_run(exp_id, run_name=f"{spec.name} pipeline", tags={
        names.KIND: steps.KIND_PIPELINE, steps.TAG_PIPELINE: spec.name,
        names.NOTEBOOK: spec.notebook, names.SOURCE_NAME: spec.notebook,
    })
    result = PipelineResult(parent.info.run_id, exp_id)
    for key, value in effective.items():
        client.log_param(result.run_id, key, str(value)[:6000])
    notify = progress or (lambda event: None)
    try:
        _schedule(client, spec, exp_id, result, overrides, force, workers, notify)
    except BaseException:
        client.set_terminated(result.run_id, "FAILED")
        raise
    for name, outcome in result.outcomes.items():
        for metric, value in outcome.metrics.items():
            client.log_metric(result.run_id, f"{name}.{metric}", value)
    client.set_terminated(result.run_id, "FINISHED")
    result.seconds = time.perf_counter() - started
    return result


def _schedule(client, spec, exp_id, result: PipelineResult, overrides, force, workers, notify) -> None:
    pending = {s.name: s for s in spec.steps}
    running: dict[Future, str] = {}
    downloads: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()
    total = len(spec.steps)
    scratch = tempfile.TemporaryDirectory(prefix="mlops-inputs-")

    def value_of(record: dict) -> Any:
        producer = result.outcomes[record["step"]]
        if record["name"] in producer.values:
            return producer.values[record["name"]]
        key = (record["run_id"], record["file"])
        with lock:
            if key not in downloads:
                downloads[key] = steps.load_output(client, record, Path(scratch.name) / record["run_id"])
            return downloads[key]

    def work(step, records, params, key):
        inputs = {name: value_of(rec) for name, rec in records.items()}
        return steps.run_step(client, spec, step, exp_id, result.run_id, inputs, records, params, key)

    workers = workers or min(4, os.cpu_count() or 1)
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlops-step") as pool:
            while pending or running:
                progressed = True
                while progressed:  # cache hits make more steps ready at once
                    progressed = False
                    for name in [n for n, s in pending.items() if all(d in result.outcomes for d in s.depends_on)]:
                        step = pending.pop(name)
                        records = {n: {**result.outcomes[src].outputs[n], "step": src}
                                   for n, src in step.inputs.items()}
                        params = steps.step_params(step, overrides)
                        key = steps.cache_key(spec, step, params, {n: r["digest"] for n, r in records.items()})
                        cached = None if force else steps.find_cached(client, exp_id, key)
                        if cached is not None:
                            outcome = steps.record_cache_hit(client, spec, step, exp_id, result.run_id, key,
                                                             cached, params)
                            result.outcomes[name] = outcome
                            notify({"step": name, "status": "cached", "done": len(result.outcomes),
                                    "total": total, "run_id": outcome.run_id})
                            progressed = True
                            continue
                        notify({"step": name, "status": "running", "done": len(result.outcomes), "total": total})
                        running[pool.submit(work, step, records, params, key)] = name
                if not running:
                    if pending:
                        raise RuntimeError(f"steps {sorted(pending)} wait on steps that never ran")
                    continue
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    name = running.pop(future)
                    error = future.exception()
                    if error is not None:
                        notify({"step": name, "status": "failed", "error": str(error),
                                "done": len(result.outcomes), "total": total})
                        pending.clear()  # start nothing new; let running steps finish
                        for other in list(running):
                            other.exception()
                        raise error
                    result.outcomes[name] = future.result()
                    notify({"step": name, "status": "done", "done": len(result.outcomes), "total": total,
                            "run_id": result.outcomes[name].run_id,
                            "seconds": round(result.outcomes[name].seconds, 3)})
    finally:
        scratch.cleanup()
