"""The drainer: one background process per state folder that replays the journal into
MLflow, so that no tracked cell ever waits for (or loses data to) the tracking store.

- Started on demand by the first tracked run (:func:`ensure_running`); exits when it has
  been idle for a while; a lock file makes sure only one runs per state folder.
- ``JUPYTER_MLOPS_DRAINER=thread`` drains in a thread of the process that journals
  instead (for platforms that reap background processes, and the test suite: it spares
  each new state folder a process that imports MLflow); what is left when that process
  exits stays in the journal for the next drainer.
- Retries unreachable stores with capped exponential backoff, per tracking URI.
- Closes the open runs of processes that died (their owner lock is free) as KILLED.

``python -m jupyter_mlops.core.tracking.drainer --state-dir DIR [--once]``
"""

from __future__ import annotations

import argparse
import atexit
import fcntl
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from .journal import Journal
from .journal_faults import fault_kind, set_aside

log = logging.getLogger("jupyter_mlops.drainer")

IDLE_EXIT_SECONDS = float(os.environ.get("JUPYTER_MLOPS_DRAINER_IDLE", "600"))
QUIET_SECONDS = 5.0  # idle this long, the drainer wakes four times a second instead of twenty
MODES = ("process", "thread")
MAX_ATTEMPTS = 8  # for errors that are not known to be transient
BACKOFF_CAP = 15.0


class Drainer:
    def __init__(self, journal: Journal) -> None:
        from .sink import Sink

        self.journal = journal
        self.sink = Sink(journal)
        self.down_until: dict[str, float] = {}
        self.backoff: dict[str, float] = defaultdict(lambda: 0.25)
        self.last_error: dict[str, str] = {}

    def drain_round(self) -> tuple[int, int]:
        """Apply what is pending once; returns (entries applied, entries deferred).

        Consecutive pending entries of one run are merged and applied together, in
        journal order, so a run costs a handful of store calls however it was journaled."""
        from .records import Entry, merge

        applied = deferred = 0
        batches: dict[str, list] = {}
        for entry in self.journal.pending():
            batches.setdefault(entry.key, []).append(entry)
        now = time.monotonic()
        for key, entries in batches.items():
            row = self.journal.run_row(key)
            if row is None:  # entries of a run the journal no longer knows: nothing to apply them to
                continue
            if self.down_until.get(row.tracking_uri, 0) > now:
                deferred += len(entries)
                continue
            blobs: dict[str, bytes] = {}
            for entry in entries:
                blobs.update(self.journal.blobs(entry.seq))
            try:
                self.sink.apply(row, merge([Entry.from_json(e.payload) for e in entries]), blobs)
            except Exception as exc:  # noqa: BLE001 - every failure is recorded, none is dropped
                deferred += len(entries)
                self._failed(row, entries, exc)
                continue
            self.journal.mark_done([e.seq for e in entries])
            self.backoff.pop(row.tracking_uri, None)
            self.last_error.pop(row.tracking_uri, None)
            applied += len(entries)
        return applied, deferred

    def _failed(self, row, entries, exc: Exception) -> None:
        from .sink import Transient, classify

        message = f"{type(exc).__name__}: {exc}"
        self.last_error[row.tracking_uri] = message
        first = entries[0]
        if isinstance(classify(exc), Transient):
            delay = self.backoff[row.tracking_uri]
            self.down_until[row.tracking_uri] = time.monotonic() + delay
            self.backoff[row.tracking_uri] = min(delay * 2, BACKOFF_CAP)
            self.journal.mark_retry(first.seq, message)
            log.warning("store %s unavailable, retrying in %.1fs: %s", row.tracking_uri, delay, message)
        elif first.attempts + 1 >= MAX_ATTEMPTS:
            for entry in entries:
                self.journal.mark_failed(entry.seq, message)
            log.error("run %s: %s entries failed for good: %s", row.key, len(entries), message)
            self._terminate(row, entries, message)
        else:
            self.journal.mark_retry(first.seq, message)
            log.warning("run %s failed (attempt %s): %s", row.key, first.attempts + 1, message)

    def _terminate(self, row, entries, message: str) -> None:
        """No run stays RUNNING because its last entries failed for good."""
        from .records import Entry, merge

        try:
            self.sink.give_up(row, merge([Entry.from_json(e.payload) for e in entries]), message)
        except Exception as exc:  # noqa: BLE001 - the entries are kept as failed either way
            log.error("run %s could not be terminated either: %s", row.key, exc)

    def close_dead_owners(self) -> int:
        """Finish as KILLED the open runs of processes that are gone."""
        closed = 0
        dead: dict[str, bool] = {}
        for row in self.journal.open_runs():
            if row.owner not in dead:
                dead[row.owner] = not self.journal.owner_alive(row.owner)
            if dead[row.owner]:
                self.journal.append(row.key, {
                    "end": {"status": "KILLED", "end_time": int(time.time() * 1000)},
                    "tags": {"mlops.error": "The process running this cell died before it finished."},
                }, finish=True)
                closed += 1
        owners = self.journal.state_dir / "owners"
        open_owners = {row.owner for row in self.journal.open_runs()}
        for lock in owners.glob("*.lock") if owners.is_dir() else []:
            if lock.stem not in open_owners and not self.journal.owner_alive(lock.stem):
                self.journal.forget_owner(lock.stem)
        return closed

    def drain(self, timeout: float | None = None, progress=None) -> int:
        """Drain until nothing is pending (or only unreachable stores are left)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self.close_dead_owners()
        total = 0
        while True:
            applied, deferred = self.drain_round()
            total += applied
            if progress:
                progress(total, self.journal.backlog())
            if not deferred and not self.journal.backlog():
                return total
            if deadline is not None and time.monotonic() > deadline:
                return total
            if not applied:
                wake = min(self.down_until.values(), default=time.monotonic() + 0.05)
                time.sleep(max(0.02, min(wake - time.monotonic(), 1.0)))


def _lock_path(state_dir: Path) -> Path:
    return state_dir / "drainer.lock"


def try_lock(state_dir: Path):
    """The drainer lock, or None when another process holds it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    handle = open(_lock_path(state_dir), "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def is_running(state_dir: Path) -> bool:
    handle = try_lock(state_dir)
    if handle is None:
        return True
    handle.close()
    return False


def mode() -> str:
    """Where drainers start: ``process`` (the default) or ``thread`` (``JUPYTER_MLOPS_DRAINER``)."""
    chosen = os.environ.get("JUPYTER_MLOPS_DRAINER", "process").strip().lower() or "process"
    if chosen not in MODES:
        log.warning("JUPYTER_MLOPS_DRAINER=%s is not one of %s; draining in a process", chosen, ", ".join(MODES))
        return "process"
    return chosen


def ensure_running(state_dir: Path, tracking_uri: str | None = None) -> bool:
    """Start a drainer for ``state_dir`` unless one runs; returns True if one was started.

    A thread drainer first opens ``tracking_uri``'s store in the calling thread, importing
    MLflow there: MLflow's modules import each other in cycles, which fails when the tracked
    code imports MLflow while the drainer thread is half-way through the same imports."""
    if is_running(state_dir):
        return False
    if mode() == "thread":
        if tracking_uri:
            from ..store import client

            try:
                client(tracking_uri)
            except Exception as exc:  # noqa: BLE001 - the drainer retries the store; tracking goes on
                log.warning("the store %s did not open (%s); the drainer keeps retrying it", tracking_uri, exc)
        _start_thread(state_dir)
        return True
    log_file = open(state_dir / "drainer.log", "a")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    subprocess.Popen(
        [sys.executable, "-m", "jupyter_mlops.core.tracking.drainer", "--state-dir", str(state_dir)],
        stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, cwd=str(state_dir),
        start_new_session=True, env=env,
    )
    log_file.close()
    return True


def serve(state_dir: Path, idle_exit: float = IDLE_EXIT_SECONDS, closing: threading.Event | None = None) -> int:
    """Drain ``state_dir``'s journal until idle for ``idle_exit`` seconds, or, once ``closing``
    is set (a thread drainer's process exits), until nothing more can be applied now."""
    lock = try_lock(state_dir)
    if lock is None:
        return 0  # another drainer has it
    journal = Journal(state_dir)
    drainer = Drainer(journal)
    idle_since = time.monotonic()
    last_owner_check = 0.0
    # A round that found nothing to do is not repeated until another process commits to
    # the journal (or a second has passed): an idle drainer wakes often but queries little.
    quiet_version: int | None = None
    busy = False
    while journal.path.exists():
        if journal.replaced():  # a kernel set a damaged journal aside: follow the new one
            journal = Journal(state_dir)
            drainer = Drainer(journal)
            quiet_version = None
        try:
            now = time.monotonic()
            if now - last_owner_check > 1.0:
                drainer.close_dead_owners()  # may journal for dead owners on our own connection
                last_owner_check = now
                quiet_version = None
            version = journal.data_version()
            if version == quiet_version:
                applied = deferred = 0
            else:
                applied, deferred = drainer.drain_round()
                busy = bool(applied or journal.open_runs())
                quiet_version = version if not (applied or deferred) else None
        except (sqlite3.Error, OSError) as exc:
            if not _journal_failed(journal, exc):
                raise
            time.sleep(1.0)
            continue
        if busy:
            idle_since = time.monotonic()
        # Idle: nothing to do for idle_exit seconds.  Stuck: a store that stays down for
        # six times as long; the next tracked run or `sync` starts a drainer again.
        limit = idle_exit * 6 if deferred else idle_exit
        if time.monotonic() - idle_since > limit or (closing is not None and closing.is_set() and not applied):
            break
        if not applied:  # after a few quiet seconds, news waits up to a quarter second
            time.sleep(0.25 if deferred or time.monotonic() - idle_since > QUIET_SECONDS else 0.05)
    try:
        journal.compact()
    except (sqlite3.Error, OSError) as exc:
        log.warning("journal %s not compacted: %s", journal.path, exc)
    lock.close()
    return 0


_closing = threading.Event()  # set at exit: thread drainers write what they can, then stop
_threads: list[threading.Thread] = []
EXIT_GRACE_SECONDS = 3.0  # all thread drainers together; a store that does not answer is not waited for


def _start_thread(state_dir: Path) -> None:
    idle = float(os.environ.get("JUPYTER_MLOPS_DRAINER_IDLE", IDLE_EXIT_SECONDS))
    thread = threading.Thread(target=_serve_quietly, args=(state_dir, idle), daemon=True,
                              name=f"jupyter-mlops-drainer:{state_dir}")
    if not _threads:
        atexit.register(_finish_threads)
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()


def _finish_threads(grace: float = EXIT_GRACE_SECONDS) -> None:
    """At exit, give thread drainers ``grace`` seconds to write what is pending (a daemon
    thread would otherwise stop mid-way); the rest waits in the journal."""
    _closing.set()
    deadline = time.monotonic() + grace
    for thread in list(_threads):
        thread.join(max(0.0, deadline - time.monotonic()))


def _serve_quietly(state_dir: Path, idle_exit: float) -> None:
    """serve() in a thread: a failure is logged, like a drainer process's in drainer.log."""
    try:
        serve(state_dir, idle_exit, closing=_closing)
    except Exception:  # noqa: BLE001 - nothing above a thread to report to
        log.exception("the drainer of %s stopped", state_dir)


def _journal_failed(journal: Journal, exc: BaseException) -> bool:
    """A journal that fails under the drainer: a damaged one is set aside (the next
    tracked run starts a new one), a full or read-only one is retried.  False for
    errors that are not the journal's."""
    kind = fault_kind(exc)
    if kind is None:
        return False
    if kind == "corrupt":
        aside = set_aside(journal.path, journal.inode)
        log.error("journal %s is damaged (%s); set aside as %s, kept for recovery", journal.path, exc, aside)
    else:
        log.warning("journal %s cannot be used (%s: %s); retrying", journal.path, kind, exc)
    return True


def _quiet_http_retries() -> None:
    # The drainer retries on its own schedule; MLflow's own retry loop (minutes of
    # backoff) would only delay the other stores and the exit.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jupyter_mlops.core.tracking.drainer")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--idle-exit", type=float, default=IDLE_EXIT_SECONDS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    _quiet_http_retries()
    return serve(args.state_dir.resolve(), args.idle_exit)


if __name__ == "__main__":
    sys.exit(main())
