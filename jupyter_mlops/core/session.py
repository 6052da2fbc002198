"""One tracking session per process: journals runs and hands them to the drainer.

Everything on a cell's critical path happens here and costs microseconds: two journal
inserts and a throttled check that a drainer is alive.  Git state and the environment
are read on a background thread and journaled as their own entries.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import drainer, names
from .config import Settings
from .journal import Journal


class StoreUnavailable(RuntimeError):
    """The tracking store did not take a run in time (only raised where code waits)."""


class TrackingSession:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.journal = Journal(settings.state_dir)
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jupyter-mlops")
        self._drainer_checked = 0.0
        self._environment_sent = False
        # variable name -> journal key of the latest tracked run that wrote it (for %register)
        self.writers: dict[str, str] = {}

    # -- the critical path -------------------------------------------------------------------
    def start_run(self, experiment: str, run_name: str | None, tags: dict, source_folder: Path | None) -> str:
        start = {"start_time": now_ms(), "run_name": run_name, "tags": tags}
        key = self.journal.open_run(self.settings.tracking_uri, experiment, {"start": start})
        self._background.submit(self._capture_context, key, source_folder)
        self.ensure_drainer()
        return key

    def finish_run(self, key: str, status: str, payload: dict, blobs: dict[str, bytes]) -> None:
        payload = {**payload, "end": {"status": status, "end_time": now_ms()}}
        self.journal.append(key, payload, blobs, finish=True)
        self.ensure_drainer()

    def ensure_drainer(self, force: bool = False) -> None:
        if force or time.monotonic() - self._drainer_checked > 1.0:
            drainer.ensure_running(self.settings.state_dir)
            self._drainer_checked = time.monotonic()

    # -- background context ---------------------------------------------------------------
    def _capture_context(self, key: str, folder: Path | None) -> None:
        from . import environment, gitinfo

        payload: dict = {"tags": {}}
        blobs: dict[str, bytes] = {}
        env = environment.snapshot()
        payload["environment"] = {"hash": env["hash"], "python": env["python"]}
        if not self._environment_sent:  # the full list travels once per process
            payload["environment"]["requirements"] = env["requirements"]
            self._environment_sent = True
        state = gitinfo.git_state(folder) if folder else None
        if state:
            payload["tags"].update({
                names.GIT_ROOT: state["root"],
                names.GIT_DIRTY: str(state["dirty"]).lower(),
            })
            if state["commit"]:
                payload["tags"].update({names.GIT_COMMIT: state["commit"], names.SOURCE_GIT_COMMIT: state["commit"]})
            if state["branch"]:
                payload["tags"].update({names.GIT_BRANCH: state["branch"], names.SOURCE_GIT_BRANCH: state["branch"]})
            if state["diff"]:
                blobs[names.ARTIFACT_GIT_DIFF] = state["diff"].encode()
        self.journal.append(key, payload, blobs)

    def flush_background(self, timeout: float = 30.0) -> None:
        """Wait until background captures queued so far are journaled."""
        self._background.submit(lambda: None).result(timeout=timeout)

    # -- waiting on the store (only for code that asks) -----------------------------------------
    def wait_for_run_id(self, key: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        self.ensure_drainer(force=True)
        while time.monotonic() < deadline:
            run_id = self.journal.run_id(key)
            if run_id:
                return run_id
            time.sleep(0.01)
        raise StoreUnavailable(
            f"The tracking store at {self.settings.display_uri} did not take this run within {timeout:.0f} s"
            f" ({self.journal.last_error() or 'no error reported yet'}). Everything is kept in the journal;"
            " check the store, then run `%mlops sync`."
        )

    def sync(self, timeout: float = 120.0, progress=None) -> int:
        """Wait until the journal is drained; returns what is still pending."""
        self.flush_background()
        deadline = time.monotonic() + timeout
        while True:
            self.ensure_drainer(force=True)
            pending = self.journal.backlog()
            if progress:
                progress(pending)
            if pending == 0 or time.monotonic() > deadline:
                return pending
            time.sleep(0.05)

    def close(self) -> None:
        self._background.shutdown(wait=True)


def now_ms() -> int:
    return int(time.time() * 1000)


_sessions: dict[tuple[str, str], TrackingSession] = {}


def get_session(settings: Settings) -> TrackingSession:
    key = (settings.tracking_uri, str(settings.state_dir))
    if key not in _sessions:
        _sessions[key] = TrackingSession(settings)
    return _sessions[key]
