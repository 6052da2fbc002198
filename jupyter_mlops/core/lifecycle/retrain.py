"""One retraining, as a policy says: run the exported pipeline, register the challenger with
its lineage, gate it against the champion, promote it (alias move, then rollover) or refuse.

``run_policy(policy, event, ...)`` does it all and audits each decision (audit.py), nested
under the ``triggered`` run.  The pipeline is the notebook exported with ``jupyter-mlops
export`` (python target; cached per notebook content under ``<state>/lifecycle/``) and run
as its README says, ``python -m NAME --json --param k=v``, in a process of its own, so a
failing or hanging notebook never takes the watcher down.  The model is the pipeline value
the policy names (``retrain: model:``), read back from the step run that made it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import names, store
from ..errors import MLOpsError
from . import audit, endpoint, promote
from .evaluate import champion_version, evaluate
from .policy import Policy
from .triggers import Event


class RetrainError(MLOpsError):
    default_code = "retrain_failed"


@dataclass
class Outcome:
    model: str
    decision: str  # "promoted", "refused" or "failed"
    triggered_run: str
    version: str | None = None
    champion: str | None = None
    gate: dict | None = None
    rollover: dict | None = None
    message: str = ""
    runs: dict = field(default_factory=dict)  # decision -> run id
    started: float = 0.0  # epoch s, when the trigger was recorded
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def trigger(client, policy: Policy, event: Event) -> str:
    """Record the ``triggered`` decision (the start of a retraining); returns its run id."""
    metrics = {f"{k}": v for k, v in (event.evidence.get("drift") or {}).items()}
    metrics["trigger_latency_seconds"] = max(0.0, time.time() - event.time)
    return audit.record(client, policy.model, "triggered", alias=policy.alias, trigger=event.kind, key=event.key,
                        cause=event.cause, policy=policy.relative(policy.path), metrics=metrics,
                        evidence={**event.to_dict(), "policy_hash": policy.text_hash})


def run_policy(policy: Policy, event: Event, *, tracking_uri: str, state_dir: Path, triggered_run: str | None = None,
               progress=None) -> Outcome:
    client = store.client(tracking_uri)
    started = time.time()
    triggered_run = triggered_run or trigger(client, policy, event)
    outcome = Outcome(policy.model, "failed", triggered_run, started=started)
    common: dict[str, Any] = {"alias": policy.alias, "parent": triggered_run, "trigger": event.kind, "key": event.key,
              "policy": policy.relative(policy.path)}

    def say(text: str) -> None:
        if progress is not None:
            progress(text)

    try:
        say("running the exported pipeline")
        pipeline = run_pipeline(policy, tracking_uri, state_dir)
        say("registering the challenger")
        version = register(client, tracking_uri, policy, pipeline, event, triggered_run)
        outcome.version = version
        outcome.runs["retrained"] = audit.record(
            client, policy.model, "retrained", to_version=version, cause=pipeline["run_id"],
            metrics={"pipeline_seconds": pipeline.get("seconds", 0.0)}, evidence=pipeline, **common)
        say(f"gating v{version}")
        outcome.champion = champion_version(client, policy)
        gate = evaluate(policy, tracking_uri, version, outcome.champion)
        outcome.gate = gate.to_dict()
        outcome.runs["gated"] = audit.record(
            client, policy.model, "gated", from_version=outcome.champion, to_version=version,
            outcome="passed" if gate.passed else "failed", metrics=gate.figures(), evidence=gate.to_dict(), **common)
        if not gate.passed:
            outcome.decision = "refused"
            outcome.message = gate.summary()
            outcome.runs["refused"] = audit.record(
                client, policy.model, "refused", from_version=outcome.champion, to_version=version,
                outcome="; ".join(gate.reasons)[:500], metrics=gate.figures(), evidence=gate.to_dict(), **common)
            return _done(outcome, started)
        say(f"promoting v{version} to @{policy.alias}")
        moved = promote.move_alias(client, policy.model, policy.alias, version, "promoted", parent=triggered_run,
                                   trigger=event.kind, key=event.key, policy=common["policy"],
                                   metrics=gate.figures(), evidence=gate.to_dict())
        outcome.runs["promoted"] = moved["run_id"]
        outcome.decision = "promoted"
        outcome.message = gate.summary()
        if policy.rollover:
            say("rolling the deployment over")
            outcome.rollover = endpoint.rollover(policy.model, policy.alias, tracking_uri=tracking_uri,
                                                 state_dir=state_dir)
    except Exception as exc:  # noqa: BLE001 - any failure is audited, then reported
        outcome.decision = "failed"
        outcome.message = exc.message if isinstance(exc, MLOpsError) else f"{type(exc).__name__}: {exc}"
        outcome.runs["failed"] = audit.record(client, policy.model, "failed", to_version=outcome.version,
                                              outcome=outcome.message[:500], evidence={"error": outcome.message},
                                              **common)
    return _done(outcome, started)


def _done(outcome: Outcome, started: float) -> Outcome:
    outcome.seconds = time.time() - started
    return outcome


# -- the pipeline --------------------------------------------------------------------------
def package_folder(policy: Policy, tracking_uri: str, state_dir: Path) -> Path:
    """The exported package: the policy's ``package:``, or its notebook exported (cached by content)."""
    if policy.package is not None:
        return policy.package
    import xxhash

    assert policy.notebook is not None
    digest = xxhash.xxh3_64_hexdigest(policy.notebook.read_bytes())
    name = "retrain_" + re.sub(r"\W+", "_", policy.model).strip("_").lower()
    out = Path(state_dir) / "lifecycle" / "packages" / f"{name}-{digest}"
    if any(out.glob("*/__main__.py")):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "jupyter_mlops.pipeline.cli", str(policy.notebook), "--out", str(out),
            "--name", name, "--no-observe", "--quiet", "--tracking-uri", tracking_uri,
            "--workdir", str(policy.notebook.parent)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=policy.base)
    if done.returncode != 0:
        raise RetrainError(f"Exporting {policy.notebook} failed: {(done.stderr or done.stdout).strip()[-1500:]}")
    return out


def run_pipeline(policy: Policy, tracking_uri: str, state_dir: Path) -> dict:
    """Run the exported package once; returns its ``--json`` summary (run_id, steps, metrics)."""
    folder = package_folder(policy, tracking_uri, state_dir)
    package = next(folder.glob("*/__main__.py")).parent.name
    argv = [sys.executable, "-m", package, "--json", "--quiet", "--tracking-uri", tracking_uri]
    for key, value in policy.params.items():
        argv += ["--param", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=policy.timeout, cwd=folder)
    except subprocess.TimeoutExpired:
        raise RetrainError(f"The pipeline {package} ran over {policy.timeout:g} s (retrain: timeout:).") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RetrainError(f"The pipeline {package} failed (exit {done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-1500:]}")
    summary = json.loads(lines[-1])
    summary["package"] = str(folder / package)
    return summary


def pipeline_value(client, summary: dict, value: str, folder: Path):
    """The value ``value`` a step of the pipeline run made, loaded; and that step's run id."""
    for run_id in summary.get("steps", {}).values():
        run = client.get_run(run_id)
        outputs = json.loads(run.data.tags.get(names.DATA_OUTPUTS) or "[]")
        record = next((r for r in outputs if r.get("name") == value), None)
        if record is None:
            continue
        source = run.data.tags.get(names.PIPELINE_CACHED_FROM) or run_id
        path = Path(client.download_artifacts(source, f"outputs/{record['file']}", str(folder)))
        return _load(path, record.get("format", "")), run_id
    raise RetrainError(f"No step of the pipeline run {summary.get('run_id')} made {value!r} "
                       "(retrain: model: names the notebook variable holding the fitted model).")


def _load(path: Path, fmt: str):
    if fmt == "parquet":
        import pandas as pd

        return pd.read_parquet(path)
    if fmt == "npy":
        import numpy as np

        return np.load(path, allow_pickle=False)
    if fmt == "joblib":
        import joblib

        return joblib.load(path)
    import cloudpickle

    with open(path, "rb") as handle:
        return cloudpickle.load(handle)


def register(client, tracking_uri: str, policy: Policy, summary: dict, event: Event, triggered_run: str) -> str:
    """Register the pipeline's model as a new version, tagged with the trigger and the data."""
    import tempfile

    from ..models.registry import register_model
    from .data import read_table

    with tempfile.TemporaryDirectory(prefix="mlops-retrain-") as tmp:
        model, step_run = pipeline_value(client, summary, policy.model_value, Path(tmp))
        reference = None
        if policy.reference_value:
            reference, _ = pipeline_value(client, summary, policy.reference_value, Path(tmp))
    assert policy.holdout is not None
    holdout = read_table(policy.holdout).drop(columns=[policy.target])
    if reference is None:
        reference = holdout
    tags = {names.MODEL_TRIGGER_RUN: triggered_run, names.MODEL_TRIGGER: event.kind,
            names.MODEL_PIPELINE_RUN: summary.get("run_id", "")}
    if event.fingerprint:
        tags[names.MODEL_DATA_FINGERPRINT] = json.dumps(event.fingerprint)[: names.MAX_TAG_VALUE]
    registration = register_model(model, policy.model, tracking_uri=tracking_uri, run_id=step_run, tags=tags,
                                  input_example=holdout.head(5), variable=policy.model_value,
                                  description=f"retrained by {policy.relative(policy.path)} ({event.kind} trigger)",
                                  reference=reference, reference_name=policy.reference_value or "holdout")
    return registration.version
