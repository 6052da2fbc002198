"""``%mlops status`` and ``%mlops sync``."""

from __future__ import annotations

from ..core import drainer
from ..core.session import TrackingSession


def show_status(session: TrackingSession) -> None:
    settings = session.settings
    journal = session.journal
    lines = [
        f"tracking URI : {settings.display_uri}" + ("  (embedded default)" if settings.embedded else ""),
        f"root         : {settings.root}",
        f"journal      : {journal.path}",
        f"backlog      : {journal.backlog()} entries waiting for MLflow",
        f"drainer      : {'running' if drainer.is_running(settings.state_dir) else 'not running (starts on demand)'}",
    ]
    error = journal.last_error()
    if error:
        lines.append(f"last error   : {error[:300]}")
    failed = journal.failed()
    if failed:
        lines.append(f"failed       : {len(failed)} entries kept after repeated errors; `%mlops sync --retry-failed`")
    if settings.ui_url:
        lines.append(f"MLflow UI    : {settings.ui_url}")
    print("\n".join(lines))


def sync_with_progress(session: TrackingSession, timeout: float) -> None:
    import ipywidgets
    from IPython.display import display

    start = session.journal.backlog()
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
        error = session.journal.last_error() or "no error reported"
        print(f"jupyter-mlops: {pending} entries still waiting after {timeout:.0f} s: {error[:300]}\n"
              "They stay in the journal and keep being retried; run `%mlops sync` again once the store is up.")
    else:
        print(f"jupyter-mlops: in sync with {session.settings.display_uri}" + (f" ({start} entries written)" if start else ""))
