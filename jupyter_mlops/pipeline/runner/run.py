"""Run an exported pipeline: steps in dependency order, independent ones in parallel,
each an MLflow run nested under one pipeline run; unchanged steps are cache hits."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_mlops.core import names

from . import step as steps
from .contracts import StepContracts
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
                 workers: int | None = None, progress: Progress | None = None,
                 workdir: str | None = None) -> PipelineResult:
    """Run the exported package in ``folder``; steps run in ``workdir`` (default: the
    notebook's folder recorded at export)."""
    from jupyter_mlops.core import store

    from .workdir import entered, preimport

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
        with entered(spec, workdir):
            preimport(spec)  # before steps start on threads: no import-lock deadlocks between them
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


class _Scheduler:
    """Starts each step once its producers are done; cache hits are settled at once,
    misses run on a thread pool, so independent steps run side by side.  One scheduler
    runs one pipeline: it owns that run's data contracts (read once, shared by its steps)."""

    def __init__(self, client, spec: PipelineSpec, exp_id: str, result: PipelineResult, overrides: dict,
                 force: bool, notify: Progress, scratch: Path):
        self.client, self.spec, self.exp_id, self.result = client, spec, exp_id, result
        self.overrides, self.force, self.notify, self.scratch = overrides, force, notify, scratch
        self.pending = {s.name: s for s in spec.steps}
        self.running: dict[Future, str] = {}
        self.downloads: dict[tuple, Any] = {}
        self.bundles: dict[tuple[str, str], dict] = {}
        self.contracts = StepContracts(spec)
        self.lock = threading.Lock()

    def event(self, name: str, status: str, **extra) -> None:
        self.notify({"step": name, "status": status, "done": len(self.result.outcomes),
                     "total": len(self.spec.steps), **extra})

    def value_of(self, record: dict) -> Any:
        producer = self.result.outcomes[record["step"]]
        if record["name"] in producer.values:  # ran in this process: no round trip
            return producer.values[record["name"]]
        key = (record["run_id"], record["file"], record.get("key"))
        with self.lock:
            if key not in self.downloads:
                folder = self.scratch / record["run_id"]
                self.downloads[key] = steps.load_output(self.client, record, folder, self.bundles)
            return self.downloads[key]

    def work(self, step, records, params, key):
        inputs = {name: self.value_of(rec) for name, rec in records.items()}
        return steps.run_step(self.client, self.spec, step, self.exp_id, self.result.run_id, inputs,
                              records, params, key, contracts=self.contracts)

    def start_ready(self, pool: ThreadPoolExecutor) -> None:
        progressed = True
        while progressed:  # a cache hit can make the next step ready at once
            progressed = False
            done = self.result.outcomes
            for name in [n for n, s in self.pending.items() if all(d in done for d in s.depends_on)]:
                step = self.pending.pop(name)
                records = {n: {**done[src].outputs[n], "step": src} for n, src in step.inputs.items()}
                params = steps.step_params(step, self.overrides)
                key = steps.cache_key(self.spec, step, params, {n: r["digest"] for n, r in records.items()})
                cached = None if self.force else steps.find_cached(self.client, self.exp_id, key, step)
                if cached is not None:
                    done[name] = steps.record_cache_hit(self.client, self.spec, step, self.exp_id,
                                                        self.result.run_id, key, cached, params)
                    self.event(name, "cached", run_id=done[name].run_id)
                    progressed = True
                    continue
                self.event(name, "running")
                self.running[pool.submit(self.work, step, records, params, key)] = name

    def run(self, workers: int) -> None:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlops-step") as pool:
            while self.pending or self.running:
                self.start_ready(pool)
                if not self.running:
                    if self.pending:
                        raise RuntimeError(f"steps {sorted(self.pending)} wait on steps that never ran")
                    continue
                finished, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
                for future in finished:
                    name = self.running.pop(future)
                    error = future.exception()
                    if error is not None:
                        self.event(name, "failed", error=str(error))
                        self.pending.clear()  # start nothing new; let running steps finish
                        for other in list(self.running):
                            other.exception()
                        raise error
                    outcome = self.result.outcomes[name] = future.result()
                    self.event(name, "done", run_id=outcome.run_id, seconds=round(outcome.seconds, 3))


def _schedule(client, spec, exp_id, result: PipelineResult, overrides, force, workers, notify) -> None:
    with tempfile.TemporaryDirectory(prefix="mlops-inputs-") as scratch:
        scheduler = _Scheduler(client, spec, exp_id, result, overrides, force, notify, Path(scratch))
        scheduler.run(workers or min(4, os.cpu_count() or 1))
