"""Alias moves, each audited: promotion after the gate, forced promotion, rollback.

- ``promote(name, version, alias, force=False)``: with the model's policy, the gate runs
  (the version against the alias's champion on the holdout); a refusal moves nothing and is
  audited as ``refused``.  Without a policy, or to skip the gate, ``force=True`` moves the
  alias and the ``promoted`` run says ``forced``.  Then the deployment rolls over.
- ``rollback(name, alias)``: the alias goes back to the version it pointed to before its
  last move (the newest ``promoted`` or ``rolled_back`` decision that moved it to the
  current version; without one, the highest version below it), audited as ``rolled_back``,
  then the deployment rolls over.  ``alias_seconds`` in the answer is the alias move alone.
"""

from __future__ import annotations

import time
from pathlib import Path

from .. import store
from ..errors import InvalidInput, NotFound, Refused
from . import audit, endpoint
from .evaluate import GateResult, champion_version, evaluate


def describe_move(moved: dict) -> str:
    """One line for what ``promote``/``rollback`` returned: the alias move, the rollover,
    the audit run."""
    text = (f"{moved['name']}@{moved['alias']}: v{moved['from_version'] or '-'} -> v{moved['to_version']}"
            f"{' (forced)' if moved['forced'] else ''} in {moved['alias_seconds'] * 1000:.0f} ms")
    rolled = moved.get("rollover")
    if rolled:
        text += f"; deployment {rolled['mode']} in {rolled['seconds']:.1f} s"
    return text + f"; audited as run {moved['run_id']}"


def current_version(client, name: str, alias: str) -> str | None:
    model = store.registered_model_or_none(client, name)
    if model is None:
        raise NotFound(f"No registered model {name!r}.")
    return str(model.aliases[alias]) if alias in model.aliases else None


def move_alias(client, name: str, alias: str, version: str, decision: str, *, forced: bool = False,
               parent: str | None = None, cause: str | None = None, trigger: str | None = None,
               key: str | None = None, policy: str | None = None, metrics: dict | None = None,
               evidence: dict | None = None) -> dict:
    """Point ``NAME@ALIAS`` at ``version`` and audit it; returns the move."""
    from ..models.registry import check_alias

    check_alias(alias)
    if store.model_version_or_none(client, name, version) is None:
        raise NotFound(f"Model {name!r} has no version {version}.")
    before = current_version(client, name, alias)
    started = time.perf_counter()
    client.set_registered_model_alias(name, alias, version)
    seconds = time.perf_counter() - started
    run_id = audit.record(client, name, decision, alias=alias, from_version=before, to_version=version, forced=forced,
                          parent=parent, cause=cause, trigger=trigger, key=key, policy=policy,
                          metrics={**(metrics or {}), "alias_move_seconds": seconds}, evidence=evidence)
    return {"name": name, "alias": alias, "from_version": before, "to_version": version, "run_id": run_id,
            "forced": forced, "alias_seconds": seconds}


def promote(name: str, version: str, alias: str = "champion", *, force: bool = False, tracking_uri: str | None = None,
            state_dir: Path | None = None, root: Path | None = None, rollover: bool = True) -> dict:
    """Move ``alias`` to ``version`` if the gate passes (or ``force``); see the module docstring.
    Refused (nothing moved, audited) when the gate fails; InvalidInput without a policy and force."""
    from . import policy as policies

    tracking_uri, state_dir, root = _settings(tracking_uri, state_dir, root)
    client = store.client(tracking_uri)
    if store.model_version_or_none(client, name, str(version)) is None:
        raise NotFound(f"Model {name!r} has no version {version}.")
    gate: GateResult | None = None
    found = policy_for(root, name)
    if not force:
        if found is None:
            raise InvalidInput(f"No policy for {name!r} in {policies.folder_of(root)}: its gate decides promotions. "
                               "Write one, or pass --force to move the alias without a gate (audited as forced).")
        found.alias = alias
        gate = evaluate(found, tracking_uri, str(version), champion_version(client, found))
        audit.record(client, name, "gated", alias=alias, from_version=gate.champion_version, to_version=str(version),
                     outcome="passed" if gate.passed else "failed", policy=found.relative(found.path),
                     metrics=gate.figures(), evidence=gate.to_dict())
        if not gate.passed:
            run_id = audit.record(client, name, "refused", alias=alias, from_version=gate.champion_version,
                                  to_version=str(version), outcome="; ".join(gate.reasons)[:500],
                                  policy=found.relative(found.path), metrics=gate.figures(), evidence=gate.to_dict())
            raise Refused(f"{name} v{version} was not promoted to @{alias}: {gate.summary()}. Nothing moved "
                          f"(audited as run {run_id}); --force moves it anyway, audited as forced.",
                          code="gate_failed", run_id=run_id)
    moved = move_alias(client, name, alias, str(version), "promoted", forced=force,
                       metrics=gate.figures() if gate else None, evidence=gate.to_dict() if gate else None,
                       policy=found.relative(found.path) if found else None)
    moved["gate"] = gate.to_dict() if gate else None
    if rollover:
        moved["rollover"] = endpoint.rollover(name, alias, tracking_uri=tracking_uri, state_dir=state_dir)
    return moved


def previous_version(client, name: str, alias: str, current: str) -> str | None:
    for decision in audit.history(client, name, limit=200):
        if decision.decision in ("promoted", "rolled_back") and decision.alias == alias \
                and decision.to_version == current and decision.from_version:
            return decision.from_version
    lower = [int(v.version) for v in store.model_versions(client, store.equals("name", name))
             if int(v.version) < int(current)]
    return str(max(lower)) if lower else None


def rollback(name: str, alias: str = "champion", *, to_version: str | None = None, tracking_uri: str | None = None,
             state_dir: Path | None = None, rollover: bool = True) -> dict:
    """Move ``alias`` back to its previous version (or ``to_version``) and roll over."""
    tracking_uri, state_dir, _ = _settings(tracking_uri, state_dir, None)
    client = store.client(tracking_uri)
    current = current_version(client, name, alias)
    if current is None:
        raise NotFound(f"Model {name!r} has no alias {alias!r} to roll back.")
    target = to_version or previous_version(client, name, alias, current)
    if target is None:
        raise NotFound(f"{name}@{alias} points to v{current} and has no earlier version to roll back to.")
    moved = move_alias(client, name, alias, str(target), "rolled_back", evidence={"reason": "rollback"})
    if rollover:
        moved["rollover"] = endpoint.rollover(name, alias, tracking_uri=tracking_uri, state_dir=state_dir)
    return moved


def policy_for(root: Path, name: str):
    """The policy whose ``model:`` is ``name`` under ``root``, or None."""
    from . import policy as policies

    loaded, _ = policies.load_all(root)
    return next((p for p in loaded if p.model == name), None)


def _settings(tracking_uri, state_dir, root):
    if tracking_uri is None or state_dir is None or root is None:
        from ..config import resolve

        settings = resolve()
        return tracking_uri or settings.tracking_uri, Path(state_dir or settings.state_dir), Path(root or settings.root)
    return tracking_uri, Path(state_dir), Path(root)
