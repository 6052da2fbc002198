"""MLflow tracking inside a KFP component: each step execution becomes an MLflow run.

KFP ships only a component's own source, so what the component needs travels as text:
``TRACKING_HELPERS`` (indented into the component body) and ``step_tags()`` (a literal
dict of the tags the python target's step runs carry, so lineage and the sidebar treat
both alike).  Tracking is on when the component gets a tracking URI (the pipeline
parameter ``mlflow_tracking_uri``, else ``MLFLOW_TRACKING_URI`` in its environment) and
mlflow imports in its image; otherwise the step runs untracked and says why once.
"""

from __future__ import annotations

from ...core import names
from ..plan import Plan, Step

URI_PARAMETER = "mlflow_tracking_uri"


def mlflow_requirement() -> str:
    """The MLflow client the components install: the light distribution, at our version."""
    from importlib import metadata

    for dist in ("mlflow-skinny", "mlflow"):
        try:
            return f"mlflow-skinny=={metadata.version(dist)}"
        except metadata.PackageNotFoundError:
            continue
    return "mlflow-skinny"


def step_tags(plan: Plan, step: Step) -> dict[str, str]:
    tags = {
        names.KIND: names.KIND_PIPELINE_STEP,
        names.NOTEBOOK: plan.notebook,
        names.SOURCE_NAME: plan.notebook,
        names.PIPELINE_NAME: plan.name,
        names.PIPELINE_STEP: step.name,
        names.PIPELINE_CACHE_HIT: "false",
        "mlops.pipeline.target": "kfp",
    }
    if step.cell.id:
        tags[names.CELL_ID] = step.cell.id
    if step.source_run_id:
        tags[names.PIPELINE_SOURCE_RUN] = step.source_run_id
    return tags


# Runs inside each component (4-space indented into its body).
TRACKING_HELPERS = f'''
    def _data_record(name, artifact):
        record = {{"name": name}}
        for key in ("digest", "kind", "format"):
            if artifact.metadata.get(key):
                record[key] = artifact.metadata[key]
        if artifact.metadata.get("shape"):
            record["shape"] = _json.loads(artifact.metadata["shape"])
        return record

    def _start_run(uri, experiment, run_name, tags, params, inputs):
        import os
        uri = uri or os.environ.get("MLFLOW_TRACKING_URI", "")
        if not uri:
            print("jupyter-mlops: no MLflow tracking URI (pipeline parameter {URI_PARAMETER} or "
                  "MLFLOW_TRACKING_URI): this step is not tracked")
            return None
        try:
            from mlflow import MlflowClient
            from mlflow.entities import Param
        except ImportError:
            print("jupyter-mlops: mlflow is not installed in this component's image: this step is not tracked")
            return None
        client = MlflowClient(uri)
        found = client.get_experiment_by_name(experiment)
        experiment_id = found.experiment_id if found else client.create_experiment(experiment)
        tags = dict(tags, **{{{names.DATA_INPUTS!r}: _json.dumps(inputs)}})
        run = client.create_run(experiment_id, run_name=run_name, tags=tags)
        client.log_batch(run.info.run_id, params=[Param(k, str(v)[:6000]) for k, v in params.items()])
        return client, run.info.run_id

    def _finish_run(tracked, metrics, outputs, error):
        if tracked is None:
            return
        import time as _time
        from mlflow.entities import Metric, RunTag
        client, run_id = tracked
        now = int(_time.time() * 1000)
        tags = [RunTag({names.DATA_OUTPUTS!r}, _json.dumps(outputs))]
        if error is not None:
            tags.append(RunTag({names.ERROR!r}, (type(error).__name__ + ": " + str(error))[:5000]))
        client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in metrics.items()], tags=tags)
        status = "FINISHED" if error is None else ("KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED")
        client.set_terminated(run_id, status)
'''
