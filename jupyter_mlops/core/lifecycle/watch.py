"""Evaluate every policy's triggers, continuously or once per call: what ``jupyter-mlops
watch`` runs and what the Jupyter server extension can run on a schedule::

    from jupyter_mlops.core.lifecycle import Watcher
    watcher = Watcher(root=..., tracking_uri=..., state_dir=...)
    started = watcher.tick()          # one pass; retrainings run on background threads
    watcher.run(stop_event, interval=1.0)   # or: a pass every second until stop_event is set

A pass reads ``policies/*.yaml`` under the root (a file that does not load is reported
in ``watcher.errors`` and skipped), collects each policy's events (triggers.py), and for
each event whose dedupe key is new in the ledger records the ``triggered`` decision at
once and starts the retraining (retrain.py) on a thread; a key seen before is counted as
a duplicate and starts nothing.  One retraining per model runs at a time: events of a
model that is retraining wait for the next pass, and a pass starts at most one per model
(events with another key in that pass are dropped; with ``data:`` paths all share one).
Nothing here blocks the caller for longer than a pass of MLflow queries: run ``tick`` off
an event loop (an executor).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from .. import store
from . import policy as policies
from .data import DigestCache
from .ledger import Ledger
from .retrain import Outcome, run_policy, trigger
from .triggers import Event, collect

logger = logging.getLogger(__name__)


class Watcher:
    def __init__(self, root: Path | None = None, tracking_uri: str | None = None, state_dir: Path | None = None,
                 on_outcome=None):
        if root is None or tracking_uri is None or state_dir is None:
            from ..config import resolve

            settings = resolve(root=root)
            root = root or settings.root
            tracking_uri = tracking_uri or settings.tracking_uri
            state_dir = state_dir or settings.state_dir
        self.root = Path(root)
        self.tracking_uri = tracking_uri
        self.state_dir = Path(state_dir)
        self.ledger = Ledger(self.state_dir)
        self.errors: list[str] = []
        self.outcomes: list[Outcome] = []
        self.duplicates = 0
        self.on_outcome = on_outcome
        self._running: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self.digests = DigestCache()  # each pass fingerprints the same data: read only what changed

    @property
    def client(self):
        return store.client(self.tracking_uri)

    def tick(self, now: float | None = None) -> list[dict]:
        """One pass over the policies; returns the retrainings it started
        (``{"model", "trigger", "key", "triggered_run", "latency_s"}``)."""
        loaded, errors = policies.load_all(self.root)
        self.errors = [e.message for e in errors]
        started = []
        for policy in loaded:
            if self.busy(policy.model):
                continue
            try:
                events = collect(policy, self.client, self.ledger, now, digests=self.digests)
            except Exception as exc:  # noqa: BLE001 - one policy's store error must not stop the others
                logger.warning("jupyter-mlops: triggers of %s: %s", policy.path, exc)
                self.errors.append(f"{policy.path}: {type(exc).__name__}: {exc}")
                continue
            begun = None
            for event in events:
                if begun is None:
                    begun = self.offer(policy, event)
                elif event.key == begun["key"]:  # the same data, in the same pass: a duplicate
                    self.offer(policy, event)
                # else: one retraining per model at a time; another key in the same pass is dropped
            if begun is not None:
                started.append(begun)
        return started

    def offer(self, policy: policies.Policy, event: Event) -> dict | None:
        """Start a retraining for ``event`` unless its key was claimed before."""
        if not self.ledger.claim(policy.model, event.key, event.kind):
            self.duplicates += 1
            return None
        triggered = trigger(self.client, policy, event)
        self.ledger.settle(policy.model, event.key, "running", triggered)
        thread = threading.Thread(target=self._retrain, args=(policy, event, triggered), daemon=True,
                                  name=f"mlops-retrain-{policy.model}")
        with self._lock:
            self._running[policy.model] = thread
        thread.start()
        return {"model": policy.model, "trigger": event.kind, "key": event.key, "triggered_run": triggered,
                "latency_s": max(0.0, time.time() - event.time)}

    def _retrain(self, policy, event: Event, triggered: str) -> None:
        try:
            outcome = run_policy(policy, event, tracking_uri=self.tracking_uri, state_dir=self.state_dir,
                                 triggered_run=triggered)
        except Exception as exc:  # noqa: BLE001 - run_policy audits its own failures; this is the store failing
            logger.warning("jupyter-mlops: retraining %s failed: %s", policy.model, exc)
            self.ledger.settle(policy.model, event.key, "failed")
            return
        self.ledger.settle(policy.model, event.key, outcome.decision)
        self.outcomes.append(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def busy(self, model: str) -> bool:
        with self._lock:
            thread = self._running.get(model)
            return thread is not None and thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the retrainings started so far; False if some still run after ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads)

    def run(self, stop: threading.Event, interval: float = 1.0, report=None) -> None:
        """A pass every ``interval`` seconds until ``stop`` is set; ``report(started)`` after each."""
        while not stop.is_set():
            try:
                begun = self.tick()
            except Exception as exc:  # noqa: BLE001 - keep watching through a store outage
                logger.warning("jupyter-mlops: watch pass failed: %s", exc)
                begun = []
            if report is not None and begun:
                report(begun)
            stop.wait(interval)
