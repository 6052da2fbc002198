"""Trigger events of a policy: drift alerts, schedule slots, new data.

``collect(policy, client, ledger, now, advance=True, digests=None)`` returns the events
since the policy's cursors (and moves the cursors unless ``advance=False``, as the
sidebar's *pending triggers* call does); ``digests`` is the caller's
:class:`~.data.DigestCache` (a watcher's, the server's), so unchanged data is not read again:

- **drift**: monitoring's alert runs for the model (the contract in ``core/names.py``: a
  run in ``monitoring/<model>`` with ``mlops.kind=monitor`` and
  ``mlops.monitor.status=alert``) started after the newest alert seen;
- **schedule**: each cron slot (croniter, local time) passed since the last one seen;
- **data**: a fingerprint of the ``data:`` paths unlike the last one seen (the first look
  only records it).

Every event carries the dedupe ``key``: with ``data:`` paths, the fingerprint of that data
(``data:<digest>``): any number of alerts, slots or file events over the same data start
one retraining.  Without data paths, ``drift:v<champion version>`` (one retraining per
champion that drifts) and ``schedule:<slot>``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

from .. import names, store
from . import data
from .ledger import Ledger
from .policy import Policy


@dataclass
class Event:
    model: str
    policy: str
    kind: str  # "drift", "schedule", "data" or "manual"
    key: str
    time: float  # epoch seconds: when it happened (the alert's run start, the slot, the newest file change)
    cause: str | None = None  # the monitoring alert run
    fingerprint: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def data_key(policy: Policy, digests: data.DigestCache | None = None) -> tuple[str | None, dict]:
    if not policy.data:
        return None, {}
    prints = data.fingerprint(policy.data, policy.base, digests)
    return f"data:{data.key(prints)}", prints


def collect(policy: Policy, client, ledger: Ledger, now: float | None = None, advance: bool = True,
            digests: data.DigestCache | None = None) -> list[Event]:
    now = time.time() if now is None else now
    key, prints = data_key(policy, digests)
    events: list[Event] = []
    if policy.drift:
        events += _alerts(policy, client, ledger, key, prints, advance)
    if policy.schedule:
        events += _slots(policy, ledger, now, key, prints, advance)
    if policy.data:
        last = ledger.cursor(policy.name, "data")
        current = json.dumps(prints, sort_keys=True)
        if last is not None and last != current:
            events.append(Event(policy.model, policy.name, "data", key or "", data.newest_change(policy.data) or now,
                                fingerprint=prints, evidence={"previous": json.loads(last), "current": prints}))
        if advance and last != current:
            ledger.set_cursor(policy.name, "data", current)
    return events


def manual(policy: Policy) -> Event:
    key, prints = data_key(policy)
    return Event(policy.model, policy.name, "manual", key or f"manual:{time.time():.6f}", time.time(),
                 fingerprint=prints)


def _alerts(policy: Policy, client, ledger: Ledger, key, prints, advance: bool) -> list[Event]:
    found = client.get_experiment_by_name(names.MONITORING_EXPERIMENT.format(name=policy.model))
    if found is None:
        return []
    since = int(ledger.cursor(policy.name, "alert_ms") or 0)
    clauses: list[store.Clause | str] = [
        store.equals(store.tag(names.KIND), names.KIND_MONITOR),
        store.equals(store.tag(names.MONITOR_STATUS), names.MONITOR_ALERT),
        f"attributes.start_time > {since}"]
    runs = list(store.iter_runs(client, [found.experiment_id], *clauses, order_by=["attributes.start_time ASC"],
                                limit=1000))
    events = []
    for run in runs:
        tags = run.data.tags
        version = tags.get(names.MONITOR_VERSION, "")
        evidence = {"alert_run": run.info.run_id, "deployment": tags.get(names.MONITOR_DEPLOYMENT),
                    "version": version, "drifted": _json(tags.get(names.MONITOR_DRIFTED)),
                    "window": tags.get(names.MONITOR_WINDOW),
                    "drift": {k: v for k, v in run.data.metrics.items() if k.startswith("drift.")},
                    "live_rows": run.data.metrics.get("live_rows")}
        events.append(Event(policy.model, policy.name, "drift", key or f"drift:v{version}",
                            run.info.start_time / 1000, cause=run.info.run_id, fingerprint=prints, evidence=evidence))
    if advance and runs:
        ledger.set_cursor(policy.name, "alert_ms", str(max(r.info.start_time for r in runs)))
    return events


def _slots(policy: Policy, ledger: Ledger, now: float, key, prints, advance: bool) -> list[Event]:
    from datetime import datetime

    from croniter import croniter

    last = ledger.cursor(policy.name, "schedule")
    if last is None:  # first look: slots from now on
        if advance:
            ledger.set_cursor(policy.name, "schedule", str(now))
        return []
    slots = croniter(policy.schedule, datetime.fromtimestamp(float(last)).astimezone())
    due: list[float] = []
    while len(due) < 1000:
        slot = slots.get_next(float)
        if slot > now:
            break
        due.append(slot)
    if not due:
        return []
    if advance:
        ledger.set_cursor(policy.name, "schedule", str(due[-1]))
    return [Event(policy.model, policy.name, "schedule", key or f"schedule:{int(slot)}", slot, fingerprint=prints,
                  evidence={"schedule": policy.schedule, "slot": slot}) for slot in due]


def _json(text: str | None):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text
