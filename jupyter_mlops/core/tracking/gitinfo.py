"""Git state of the repository a notebook or script lives in: commit, branch, dirty, diff."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from .redact import redact_text

MAX_DIFF_BYTES = 1_000_000
CACHE_SECONDS = 2.0  # back-to-back cells share one look (git costs a few ms a call)


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def git_state(folder: str | Path) -> dict | None:
    """``{"root", "commit", "branch", "dirty", "diff"}`` or None outside a repository."""
    return _read(Path(folder))


class GitStates:
    """Git state per folder, looked up at most every ``CACHE_SECONDS`` (one per session)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[float, dict | None]] = {}

    def __call__(self, folder: str | Path) -> dict | None:
        cached = self._seen.get(str(folder))
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        state = git_state(folder)
        self._seen[str(folder)] = (time.monotonic(), state)
        return state


def _read(folder: Path) -> dict | None:
    found = _git(folder, "rev-parse", "--show-toplevel", "HEAD", "--abbrev-ref", "HEAD")
    root: str | None
    commit: str | None
    branch: str | None
    if found is not None:
        root, commit, branch = found.split("\n")[:3]
    else:  # not a repository, or one without commits yet
        root = _git(folder, "rev-parse", "--show-toplevel")
        if root is None:
            return None
        commit = branch = None
    status = _git(folder, "status", "--porcelain", "--untracked-files=no") or ""
    dirty = bool(status.strip())
    diff = ""
    if dirty and commit:
        raw = _git(folder, "diff", "HEAD", "--no-color", "--no-ext-diff") or ""
        if len(raw) > MAX_DIFF_BYTES:
            raw = raw[:MAX_DIFF_BYTES] + "\n# ... diff truncated by jupyter-mlops\n"
        diff = redact_text(raw)
    return {"root": root.strip(), "commit": commit, "branch": branch, "dirty": dirty, "diff": diff}
