"""One tracking session per process: journals runs and hands them to the drainer.

Everything on a cell's critical path happens here and costs microseconds: two journal
inserts and a throttled check that a drainer is alive.  Git state and the environment
are read on a background thread and journaled as their own entries.
"""

from __future__ import annotations

import functools
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from .. import names
from ..config import Settings
from . import drainer, journal_faults
from .gitinfo import GitStates
from .journal import Journal
from .records import Entry, Environment, RunEnd, RunStart, now_ms

if TYPE_CHECKING:
    from ..lineage.index import LineageCache

MAX_HELD_BYTES = 256 * 2**20  # artifact bytes kept in memory while the journal is unusable


class StoreUnavailable(RuntimeError):
    """The tracking store did not take a run in time (only raised where code waits)."""


def _print_notice(text: str) -> None:
    print(text, file=sys.stdout, flush=True)


class TrackingSession:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jupyter-mlops")
        self._drainer_checked = 0.0
        self._environment_sent = False
        self._git = GitStates()
        # variable name -> journal key of the latest tracked run that wrote it (for %register)
        self.writers: dict[str, str] = {}
        # The journal can fail under a running kernel (full disk, read-only folder, damaged
        # file); the cell runs anyway.  Writes the journal did not take wait in ``_held``,
        # in order; runs not finished yet are remembered so a new journal can reopen them.
        self._lock = threading.RLock()
        self._held: list[tuple[str, tuple, dict]] = []
        self._held_bytes = 0
        self._unfinished: dict[str, tuple[str, str, dict]] = {}
        self._notices: list[str] = []
        self.notify: Callable[[str], None] = _print_notice
        self.fault: str | None = None  # the notice of the journal's current problem
        self.fallback: Path | None = None  # the journal folder used instead of the configured one
        self.journal: Journal | None = None
        with self._lock:
            self._open_journal(settings.state_dir)

    # -- the critical path -------------------------------------------------------------------
    def start_run(self, experiment: str, run_name: str | None, tags: dict, source_folder: Path | None) -> str:
        start = Entry(start=RunStart(now_ms(), run_name, tags))
        key = uuid.uuid4().hex
        payload = start.to_json()
        with self._lock:
            self._unfinished[key] = (self.settings.tracking_uri, experiment, payload)
            self._write("open_run", self.settings.tracking_uri, experiment, payload, key=key)
        self._background.submit(self._capture_context, key, source_folder)
        self.ensure_drainer()
        self._emit_notices()
        return key

    def finish_run(self, key: str, status: str, entry: Entry, blobs: dict[str, bytes]) -> None:
        entry.end = RunEnd(status, now_ms())
        with self._lock:
            self._write("append", key, entry.to_json(), blobs, finish=True)
            self._unfinished.pop(key, None)
        self.ensure_drainer()
        self._emit_notices()

    def ensure_drainer(self, force: bool = False) -> None:
        if not (force or time.monotonic() - self._drainer_checked > 1.0):
            return
        self._drainer_checked = time.monotonic()
        journal = self.journal
        if journal is None:
            return
        try:
            drainer.ensure_running(journal.state_dir, self.settings.tracking_uri)
        except OSError as exc:  # the folder went read-only or full: the next write says so
            self._fault(journal_faults.fault_kind(exc) or "io", exc)

    # -- a journal that fails ----------------------------------------------------------------
    def _open_journal(self, state_dir: Path) -> Journal | None:
        """Open (or create) the journal in ``state_dir``, setting a damaged one aside and
        falling back to another folder when this one cannot be written."""
        for _ in range(3):
            try:
                self.journal = Journal(state_dir)
                return self.journal
            except (OSError, sqlite3.Error) as exc:
                kind = journal_faults.fault_kind(exc) or "io"
                path = Path(state_dir) / journal_faults.JOURNAL_NAME
                if kind == "corrupt":
                    aside = self._set_aside(path, None, exc)
                    if aside is None and path.exists():
                        break
                    continue
                if kind == "readonly" and state_dir == self.settings.state_dir:
                    state_dir = journal_faults.fallback_state_dir(state_dir)
                    self.fallback = state_dir
                    self._notice(journal_faults.describe(kind, path, _detail(exc), fallback=state_dir))
                    continue
                self._fault(kind, exc, path)
                break
        self.journal = None
        return None

    def _set_aside(self, path: Path, inode: int | None, exc: BaseException) -> Path | None:
        try:
            aside = journal_faults.set_aside(path, inode)
        except OSError as move_error:  # cannot even rename it: a folder we cannot write
            self._fault(journal_faults.fault_kind(move_error) or "io", move_error, path)
            return None
        self._notice(journal_faults.describe("corrupt", path, _detail(exc), aside=aside))
        return aside or path

    def _fault(self, kind: str, exc: BaseException, path: Path | None = None) -> None:
        path = path or (self.journal.path if self.journal else self.settings.journal_path)
        text = journal_faults.describe(kind, path, _detail(exc), held=len(self._held))
        first_line = text.split(" (", 1)[0]
        if self.fault is None or not self.fault.startswith(first_line):
            self._notice(text)
        self.fault = text

    def _notice(self, text: str) -> None:
        self._notices.append(text)

    def _emit_notices(self) -> None:
        """Notices are printed from the calling thread, outside a cell's captured output."""
        while self._notices:
            self.notify(self._notices.pop(0))

    def _write(self, method: str, *args, **kwargs) -> None:
        """Queue one journal write and write out what is queued, in order; what the journal
        does not take stays queued (in memory) for the next attempt."""
        if method == "append" and len(args) > 2 and args[2]:
            size = sum(len(b) for b in args[2].values())
            if self._held and self._held_bytes + size > MAX_HELD_BYTES:
                payload = dict(args[1])
                payload["tags"] = {**payload.get("tags", {}), names.WARNING: (
                    "artifacts not kept: the journal could not be written and too much was waiting in memory")}
                args = (args[0], payload, {})
                size = 0
            self._held_bytes += size
        self._held.append((method, args, kwargs))
        self._flush_held()

    def _flush_held(self) -> None:
        was_faulty = self.fault is not None
        written = 0
        while self._held:
            journal = self.journal
            if journal is not None and journal.replaced():
                journal = self._switch_journal(journal.state_dir)
            if journal is None:
                journal = self._switch_journal(self.fallback or self.settings.state_dir)
                if journal is None:
                    return
            method, args, kwargs = self._held[0]
            try:
                getattr(journal, method)(*args, **kwargs)
            except (OSError, sqlite3.Error) as exc:
                kind = journal_faults.fault_kind(exc) or "io"
                if kind == "corrupt":
                    self._set_aside(journal.path, journal.inode, exc)
                    if self._switch_journal(journal.state_dir) is not None:
                        continue
                elif kind == "readonly" and self.fallback is None:
                    self.fallback = journal_faults.fallback_state_dir(self.settings.state_dir)
                    self._notice(journal_faults.describe(kind, journal.path, _detail(exc), fallback=self.fallback))
                    if self._switch_journal(self.fallback) is not None:
                        continue
                self._fault(kind, exc, journal.path)
                return
            self._held.pop(0)
            if method == "append" and len(args) > 2 and args[2]:
                self._held_bytes -= sum(len(b) for b in args[2].values())
            written += 1
        if was_faulty and self.fault is not None:
            self.fault = None
            self._notice(f"jupyter-mlops: the journal {self.journal.path if self.journal else ''} takes writes "
                         f"again; {written} waiting entries were written to it.")

    def _switch_journal(self, state_dir: Path) -> Journal | None:
        """A new journal (a damaged one was set aside, or a fallback folder): the runs not
        finished yet are opened in it again, ahead of what waits, so their later entries
        have a run to belong to."""
        previous = self.journal
        journal = self._open_journal(state_dir)
        if journal is None or journal is previous:
            return journal
        queued = {args[3] if len(args) > 3 else kwargs.get("key")
                  for method, args, kwargs in self._held if method == "open_run"}
        reopen = [("open_run", (uri, experiment, payload), {"key": key, "replay": True})
                  for key, (uri, experiment, payload) in self._unfinished.items() if key not in queued]
        self._held[:0] = reopen
        return journal

    # -- background context ---------------------------------------------------------------
    def _capture_context(self, key: str, folder: Path | None) -> None:
        from . import environment

        context = Entry()
        blobs: dict[str, bytes] = {}
        env = environment.snapshot()
        context.environment = Environment(env["hash"], env["python"])
        if not self._environment_sent:  # the full list travels once per process
            context.environment.requirements = env["requirements"]
            self._environment_sent = True
        state = self._git(folder) if folder else None
        if state:
            context.tags.update({
                names.GIT_ROOT: state["root"],
                names.GIT_DIRTY: str(state["dirty"]).lower(),
            })
            if state["commit"]:
                context.tags.update({names.GIT_COMMIT: state["commit"], names.SOURCE_GIT_COMMIT: state["commit"]})
            if state["branch"]:
                context.tags.update({names.GIT_BRANCH: state["branch"], names.SOURCE_GIT_BRANCH: state["branch"]})
            if state["diff"]:
                blobs[names.ARTIFACT_GIT_DIFF] = state["diff"].encode()
        with self._lock:
            self._write("append", key, context.to_json(), blobs)

    def flush_background(self, timeout: float = 30.0) -> None:
        """Wait until background captures queued so far are journaled."""
        self._background.submit(lambda: None).result(timeout=timeout)

    # -- reading the journal (status, summaries, waits): never raises for a failing journal --
    def _read(self, method: str, default, *args):
        with self._lock:
            if self._held:
                self._flush_held()
            journal = self.journal
            if journal is None:
                return default
            try:
                return getattr(journal, method)(*args)
            except (OSError, sqlite3.Error) as exc:
                kind = journal_faults.fault_kind(exc) or "io"
                self._fault(kind, exc, journal.path)
                return default

    @property
    def held(self) -> int:
        """Journal writes waiting in memory for a journal that takes them."""
        return len(self._held)

    @functools.cached_property
    def lineage_cache(self) -> LineageCache:
        """The lineage indexes ``%lineage`` reuses for the kernel's life, so a repeated
        %lineage pays only for what changed (made on first use: it is not on a cell's path)."""
        from ..lineage.index import LineageCache

        return LineageCache()

    @property
    def journal_path(self) -> Path:
        return self.journal.path if self.journal is not None else self.settings.journal_path

    def backlog(self) -> int:
        """Entries not in MLflow yet: pending in the journal, or waiting in memory."""
        return self._read("backlog", 0) + self.held

    def last_error(self) -> str | None:
        return self._read("last_error", None)

    def failed(self) -> list:
        return self._read("failed", [])

    def retry_failed(self) -> int:
        return self._read("retry_failed", 0)

    def run_location(self, key: str) -> tuple[str | None, str | None]:
        return self._read("run_location", (None, None), key)

    def take_notices(self) -> list[str]:
        notices, self._notices = self._notices, []
        return notices

    # -- waiting on the store (only for code that asks) -----------------------------------------
    def wait_for_run_id(self, key: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        self.ensure_drainer(force=True)
        while time.monotonic() < deadline:
            if self.fault is not None and any(method == "open_run" and kwargs.get("key") == key
                                              for method, _, kwargs in self._held):
                raise StoreUnavailable(f"This run is not journaled yet. {self.fault}")
            run_id = self._read("run_id", None, key)
            if run_id:
                return run_id
            time.sleep(0.01)
        raise StoreUnavailable(
            f"The tracking store at {self.settings.display_uri} did not take this run within {timeout:.0f} s"
            f" ({self.last_error() or 'no error reported yet'}). Everything is kept in the journal;"
            " check the store, then run `%mlops sync`."
        )

    def sync(self, timeout: float = 120.0, progress=None) -> int:
        """Wait until the journal is drained; returns what is still pending (in the journal
        or, while it cannot be written, in memory)."""
        self.flush_background()
        deadline = time.monotonic() + timeout
        while True:
            self.ensure_drainer(force=True)
            pending = self.backlog()
            if progress:
                progress(pending)
            if pending == 0 or time.monotonic() > deadline:
                self._emit_notices()
                return pending
            time.sleep(0.05)

    def close(self) -> None:
        self._background.shutdown(wait=True)


def _detail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


_sessions: dict[tuple[str, str], TrackingSession] = {}


def get_session(settings: Settings) -> TrackingSession:
    key = (settings.tracking_uri, str(settings.state_dir))
    if key not in _sessions:
        _sessions[key] = TrackingSession(settings)
    return _sessions[key]
