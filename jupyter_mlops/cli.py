"""``jupyter-mlops``: sync the journal, show status, export notebooks to pipelines."""

from __future__ import annotations

import argparse
import sys


def _status(args) -> int:
    from .core import drainer
    from .core.config import resolve
    from .core.journal import Journal

    settings = resolve()
    journal = Journal(settings.state_dir)
    print(f"tracking URI : {settings.display_uri}{'  (embedded default)' if settings.embedded else ''}")
    print(f"journal      : {journal.path}")
    print(f"backlog      : {journal.backlog()} entries waiting for MLflow")
    print(f"failed       : {len(journal.failed())} entries")
    print(f"drainer      : {'running' if drainer.is_running(settings.state_dir) else 'not running'}")
    error = journal.last_error()
    if error:
        print(f"last error   : {error[:300]}")
    return 0


def _sync(args) -> int:
    """Drain in this process when no drainer runs; else wait for the running one."""
    import time

    from .core import drainer
    from .core.config import resolve
    from .core.journal import Journal

    drainer._quiet_http_retries()
    settings = resolve()
    journal = Journal(settings.state_dir)
    if args.retry_failed:
        print(f"re-queued {journal.retry_failed()} failed entries")
    start = journal.backlog()
    deadline = time.monotonic() + args.timeout

    last = [0.0]

    def progress(done: int, pending: int) -> None:
        # In a terminal: one line updated in place; in a log: a line every few seconds.
        if sys.stderr.isatty():
            print(f"\rsynced {done} entries, {pending} pending", end="", file=sys.stderr, flush=True)
        elif time.monotonic() - last[0] > 5:
            last[0] = time.monotonic()
            print(f"synced {done} entries, {pending} pending", file=sys.stderr, flush=True)

    # Drain here, unless the background drainer does; if it stops (it gives up on a store
    # that stays down), take over from it.
    while True:
        lock = drainer.try_lock(settings.state_dir)
        if lock is not None:
            try:
                worker = drainer.Drainer(journal)
                worker.drain(timeout=max(deadline - time.monotonic(), 0.0), progress=progress)
            finally:
                lock.close()
            break
        if not journal.backlog() or time.monotonic() >= deadline:
            break
        progress(start - journal.backlog(), journal.backlog())
        time.sleep(0.2)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    pending = journal.backlog()
    if pending:
        print(f"{pending} entries still pending: {journal.last_error() or 'store busy'}; they are kept and retried.",
              file=sys.stderr)
        return 1
    print(f"in sync with {settings.display_uri} ({start} entries were pending)")
    return 0


def _export(argv: list[str]) -> int:
    from .pipeline.cli import export_main

    return export_main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "export":
        return _export(argv[1:])
    parser = argparse.ArgumentParser(prog="jupyter-mlops", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="tracking URI, journal backlog, drainer state")
    status.set_defaults(run=_status)
    sync = commands.add_parser("sync", help="write everything journaled to MLflow now")
    sync.add_argument("--timeout", type=float, default=300.0, help="give up after this many seconds (default 300)")
    sync.add_argument("--retry-failed", action="store_true", help="retry entries that failed repeatedly")
    sync.set_defaults(run=_sync)
    commands.add_parser("export", help="export a notebook to a pipeline (see `jupyter-mlops export --help`)")
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
