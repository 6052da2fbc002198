"""One step at a time, for orchestrators (Airflow) that schedule steps as separate tasks.

``begin`` opens the pipeline run, ``one_step`` runs (or reuses from cache) one step whose
inputs are artifacts of earlier step runs, ``end`` closes the pipeline run.  Records
passed between them are small JSON dicts, fit for XCom.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from jupyter_mlops.core import names, store

from . import step as steps
from .contracts import StepContracts
from .run import check_params, open_store
from .spec import load_spec


def begin(folder, params: dict | None = None, tracking_uri: str | None = None,
          experiment: str | None = None) -> dict:
    spec = load_spec(folder)
    check_params(spec, params or {})
    client, _uri = open_store(tracking_uri)
    exp_id = store.experiment_id(client, experiment or spec.experiment)
    run = client.create_run(exp_id, run_name=f"{spec.name} pipeline", tags={
        names.KIND: steps.KIND_PIPELINE, steps.TAG_PIPELINE: spec.name,
        names.NOTEBOOK: spec.notebook, names.SOURCE_NAME: spec.notebook,
    })
    for key, value in {**spec.params, **(params or {})}.items():
        client.log_param(run.info.run_id, key, str(value)[:6000])
    return {"run_id": run.info.run_id, "experiment_id": exp_id}


def one_step(folder, name: str, pipeline: dict, upstream: list[dict], params: dict | None = None,
             force: bool = False, tracking_uri: str | None = None, workdir: str | None = None) -> dict:
    """Run step ``name``; ``upstream`` are the records earlier ``one_step`` calls returned.
    It runs in the working folder (see :mod:`.workdir`)."""
    from .workdir import entered

    spec = load_spec(folder)
    with entered(spec, workdir):
        return _one_step(spec, name, pipeline, upstream, params, force, tracking_uri)


def _one_step(spec, name: str, pipeline: dict, upstream: list[dict], params: dict | None,
              force: bool, tracking_uri: str | None) -> dict:
    step = spec.step(name)
    client, _uri = open_store(tracking_uri)
    by_step = {u["step"]: u for u in upstream}
    records = {}
    for input_name, producer in step.inputs.items():
        if producer not in by_step:
            raise ValueError(f"step '{name}' needs '{input_name}' from step '{producer}', which was not passed")
        records[input_name] = {**by_step[producer]["outputs"][input_name], "step": producer}
    step_params = steps.step_params(step, params or {})
    key = steps.cache_key(spec, step, step_params, {n: r["digest"] for n, r in records.items()})
    cached = None if force else steps.find_cached(client, pipeline["experiment_id"], key, step)
    if cached is not None:
        outcome = steps.record_cache_hit(client, spec, step, pipeline["experiment_id"], pipeline["run_id"],
                                         key, cached, step_params)
    else:
        with tempfile.TemporaryDirectory(prefix="mlops-inputs-") as tmp:
            bundles: dict = {}
            inputs = {n: steps.load_output(client, r, Path(tmp) / n, bundles) for n, r in records.items()}
            # One task runs one step: its contracts are this call's own.
            outcome = steps.run_step(client, spec, step, pipeline["experiment_id"], pipeline["run_id"],
                                     inputs, records, step_params, key, contracts=StepContracts(spec))
    return {"step": name, "run_id": outcome.run_id, "cached": outcome.cached,
            "outputs": outcome.outputs, "metrics": outcome.metrics}


def end(pipeline: dict, results: list[dict], tracking_uri: str | None = None, status: str = "FINISHED") -> dict:
    client, _uri = open_store(tracking_uri)
    for result in results:
        for metric, value in result.get("metrics", {}).items():
            client.log_metric(pipeline["run_id"], f"{result['step']}.{metric}", value)
    client.set_terminated(pipeline["run_id"], status)
    return {"run_id": pipeline["run_id"], "status": status,
            "cached": [r["step"] for r in results if r.get("cached")]}
