"""``%mlops status`` and ``%mlops sync``."""

from __future__ import annotations

from ..core.tracking import drainer, journal_faults
from ..core.tracking.session import TrackingSession


def show_status(session: TrackingSession) -> None:
    settings = session.settings
    lines = [
        f"tracking URI : {settings.display_uri}" + ("  (embedded default)" if settings.embedded else ""),
        f"root         : {settings.root}",
        f"journal      : {session.journal_path}",
        f"backlog      : {session.backlog()} entries waiting for MLflow",
        f"drainer      : {_drainer_state(session)}",
    ]
    lines += journal_problems(session)
    error = session.last_error()
    if error:
        lines.append(f"last error   : {error[:300]}")
    failed = session.failed()
    if failed:
        lines.append(f"failed       : {len(failed)} entries kept after repeated errors; `%mlops sync --retry-failed`")
    if settings.ui_url:
        lines.append(f"MLflow UI    : {settings.ui_url}")
    print("\n".join(lines))


def journal_problems(session: TrackingSession) -> list[str]:
    """What is wrong with the journal, where runs go meanwhile, and damaged copies kept."""
    lines = []
    if session.fault:
        lines.append(f"journal error: {session.fault.removeprefix('jupyter-mlops: ')}")
    if session.held:
        lines.append(f"in memory    : {session.held} journal writes waiting for the journal to take them")
    if session.fallback is not None:
        lines.append(f"fallback     : journaling in {session.fallback} because {session.settings.state_dir} "
                     "cannot be written")
    for copy in journal_faults.set_aside_copies(session.settings.state_dir):
        lines.append(f"set aside    : {copy} (a damaged journal, kept for recovery)")
    return lines


def _drainer_state(session: TrackingSession) -> str:
    folder = session.journal.state_dir if session.journal is not None else session.settings.state_dir
    try:
        running = drainer.is_running(folder)
    except OSError as exc:
        return f"unknown ({exc})"
    return "running" if running else "not running (starts on demand)"


def sync_with_progress(session: TrackingSession, timeout: float) -> None:
    import ipywidgets
    from IPython.display import display

    start = session.backlog()
    bar = None
    if start:
        bar = ipywidgets.IntProgress(min=0, max=start, description="syncing")
        display(bar)

    def progress(pending: int) -> None:
        if bar is not None:
            bar.max = max(bar.max, pending)
            bar.value = bar.max - pending

    pending = session.sync(timeout=timeout, progress=progress)
    if bar is not None:
        bar.close()
    if pending:
        error = session.fault or session.last_error() or "no error reported"
        print(f"jupyter-mlops: {pending} entries still waiting after {timeout:.0f} s: {error[:300]}\n"
              "They stay in the journal and keep being retried; run `%mlops sync` again once the store is up.")
    else:
        written = f" ({start} entries written)" if start else ""
        print(f"jupyter-mlops: in sync with {session.settings.display_uri}{written}")
