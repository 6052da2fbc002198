"""The calls the CLI, the magics and the sidebar make, with settings resolved."""

from __future__ import annotations

from pathlib import Path

from .. import store
from . import audit, endpoint, triggers
from . import policy as policies
from .data import DigestCache
from .ledger import Ledger
from .retrain import Outcome, run_policy


def _settings(root, tracking_uri, state_dir):
    if root is not None and tracking_uri is not None and state_dir is not None:
        return Path(root), tracking_uri, Path(state_dir)
    from ..config import resolve

    settings = resolve()
    return (Path(root or settings.root), tracking_uri or settings.tracking_uri,
            Path(state_dir or settings.state_dir))


def retrain(name: str, *, root: Path | None = None, tracking_uri: str | None = None, state_dir: Path | None = None,
            progress=None) -> Outcome:
    """Run the policy ``policies/NAME.yaml`` once, now (trigger kind ``manual``).  Its data
    key is claimed like a watcher's, so a watcher does not retrain the same data again."""
    root, tracking_uri, state_dir = _settings(root, tracking_uri, state_dir)
    policy = policies.load(root, name)
    event = triggers.manual(policy)
    ledger = Ledger(state_dir)
    ledger.claim(policy.model, event.key, event.kind)
    outcome = run_policy(policy, event, tracking_uri=tracking_uri, state_dir=state_dir, progress=progress)
    ledger.settle(policy.model, event.key, outcome.decision, outcome.triggered_run)
    return outcome


def model_status(name: str, *, root: Path | None = None, tracking_uri: str | None = None,
                 state_dir: Path | None = None, limit: int = 50, digests: DigestCache | None = None) -> dict:
    """What the sidebar shows for a model::

        {"model": "churn", "policy": "policies/churn.yaml" | None, "policy_error": str | None,
         "aliases": {"champion": "2"},
         "history": [Decision.to_dict(), ...],          # newest first
         "pending": [Event.to_dict() + {"duplicate": bool}, ...],   # triggers not acted on yet
         "running": [{"key", "trigger", "claimed", "run_id"}, ...], # retrainings under way
         "endpoints": {"champion": Endpoint.to_dict() + {"status": {...} | None}}}

    Pending triggers are evaluated without moving the watcher's cursors; ``digests`` is
    the caller's cache of data file digests (the server's service keeps one).
    """
    root, tracking_uri, state_dir = _settings(root, tracking_uri, state_dir)
    client = store.client(tracking_uri)
    loaded, errors = policies.load_all(root)
    policy = next((p for p in loaded if p.model == name), None)
    error = next((e.message for e in errors if f"{name}.yaml" in e.message), None)
    ledger = Ledger(state_dir)
    pending = []
    if policy is not None:
        for event in triggers.collect(policy, client, ledger, advance=False, digests=digests):
            pending.append({**event.to_dict(), "duplicate": ledger.seen(policy.model, event.key)})
    model = store.registered_model_or_none(client, name)
    aliases = {a: str(v) for a, v in (model.aliases.items() if model is not None else [])}
    endpoints = {}
    for alias in aliases:
        found = endpoint.endpoint_of(client, name, alias)
        if found is not None:
            endpoints[alias] = {**found.to_dict(), "status": endpoint.status(found, timeout=0.5)}
    return {"model": name, "policy": policy.relative(policy.path) if policy else None, "policy_error": error,
            "aliases": aliases, "history": [d.to_dict() for d in audit.history(client, name, limit=limit)],
            "pending": pending,
            "running": [{k: c[k] for k in ("key", "trigger", "claimed", "run_id")}
                        for c in ledger.claims(name) if c["status"] == "running"],
            "endpoints": endpoints}


def airflow_trigger(notebook: Path, root: Path | None = None) -> dict | None:
    """What the exported Airflow DAG of ``notebook`` should be scheduled on, from the policy
    that retrains with it (None when no policy names the notebook)::

        {"policy": "policies/churn.yaml", "model": "churn",
         "schedule": "0 3 * * *" | None,                 # the DAG's cron schedule
         "assets": ["file:///abs/data/train.csv"],       # data-aware: Airflow Assets to schedule on
         "params": {"C": 1.0}}                           # the DAG's params

    Production then uses Airflow's scheduler for the policy's schedule and data triggers
    (drift alerts stay with ``jupyter-mlops watch`` or the server extension).
    """
    notebook = Path(notebook).resolve()
    loaded, _ = policies.load_all(Path(root) if root is not None else notebook.parent)
    policy = next((p for p in loaded if p.notebook == notebook), None)
    if policy is None:
        return None
    return {"policy": policy.relative(policy.path), "model": policy.model, "schedule": policy.schedule,
            "assets": [path.as_uri() for path in policy.data], "params": dict(policy.params)}
