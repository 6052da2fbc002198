"""``jupyter-mlops``: sync the journal, show status, check deployments for drift, export notebooks to pipelines,
retrain, promote and roll back models."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _status(args) -> int:
    from .core.config import resolve
    from .core.tracking import drainer
    from .core.tracking.journal_faults import fallback_state_dir, set_aside_copies

    settings = resolve()
    print(f"tracking URI : {settings.display_uri}{'  (embedded default)' if settings.embedded else ''}")
    healthy = _journal_status(settings.state_dir, "journal")
    fallback = fallback_state_dir(settings.state_dir)
    if (fallback / "journal.db").exists():
        _journal_status(fallback, "fallback")
    try:
        running = "running" if drainer.is_running(settings.state_dir) else "not running"
    except OSError as exc:
        running = f"unknown ({exc})"
    print(f"drainer      : {running}")
    for copy in set_aside_copies(settings.state_dir):
        print(f"set aside    : {copy} (a damaged journal, kept for recovery: sqlite3 {copy} .recover)")
    return 0 if healthy else 1


def _journal_status(state_dir, label: str) -> bool:
    """Print one journal's backlog, or what is wrong with it; False when it is unusable."""
    import sqlite3

    from .core.tracking.journal import Journal
    from .core.tracking.journal_faults import JOURNAL_NAME, fault_kind

    path = state_dir / JOURNAL_NAME
    try:
        journal = Journal(state_dir)
        lines = [f"{label:<13}: {journal.path}",
                 f"backlog      : {journal.backlog()} entries waiting for MLflow",
                 f"failed       : {len(journal.failed())} entries"]
        error = journal.last_error()
    except (OSError, sqlite3.Error) as exc:
        kind = fault_kind(exc)
        if kind is None:
            raise
        fix = {"corrupt": "the next tracked run (or `jupyter-mlops sync`) sets it aside and starts a new one",
               "readonly": "tracked runs go to a fallback journal; make the folder writable",
               "full": "tracked runs wait in the kernel's memory; free space on the disk"}.get(kind, "check the disk")
        print(f"{label:<13}: {path} cannot be used ({kind}: {exc}); {fix}")
        return False
    print("\n".join(lines))
    if error:
        print(f"last error   : {error[:300]}")
    return True


def _sync(args) -> int:
    """Drain in this process when no drainer runs; else wait for the running one."""

    from .core.config import resolve
    from .core.tracking import drainer
    from .core.tracking.journal_faults import JOURNAL_NAME, fallback_state_dir

    drainer._quiet_http_retries()
    settings = resolve()
    fallback = fallback_state_dir(settings.state_dir)
    if (fallback / JOURNAL_NAME).exists():  # runs journaled while the state folder could not be written
        _drain_folder(fallback, args, settings.display_uri)
    return _drain_folder(settings.state_dir, args, settings.display_uri)


def _open_for_sync(state_dir):
    """The journal of ``state_dir``; a damaged one is set aside (kept) and a new one started."""
    import sqlite3

    from .core.tracking.journal import Journal
    from .core.tracking.journal_faults import JOURNAL_NAME, fault_kind, set_aside

    try:
        journal = Journal(state_dir)
        journal.backlog()
        return journal
    except (OSError, sqlite3.Error) as exc:
        if fault_kind(exc) != "corrupt":
            raise
        aside = set_aside(state_dir / JOURNAL_NAME)
        print(f"the journal {state_dir / JOURNAL_NAME} is damaged ({exc}); set aside as {aside}, kept for "
              "recovery; a new journal was started", file=sys.stderr)
        return Journal(state_dir)


def _drain_folder(state_dir, args, display_uri: str) -> int:
    import time

    from .core.tracking import drainer

    journal = _open_for_sync(state_dir)
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
        lock = drainer.try_lock(state_dir)
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
    print(f"in sync with {display_uri} ({start} entries were pending)")
    return 0


def _config_file(path: str):
    """A traitlets config file (``.py`` as ipython_config.py, or ``.json``): the settings
    ``c.Monitoring.*`` that %monitor and the server's checks read."""
    from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader, PyFileConfigLoader

    from .core.errors import InvalidInput

    file = Path(path).expanduser().resolve()
    loader = JSONFileConfigLoader if file.suffix == ".json" else PyFileConfigLoader
    try:
        return loader(file.name, path=str(file.parent)).load_config()
    except ConfigFileNotFound:
        raise InvalidInput(f"--config {path}: no such file.") from None
    except Exception as exc:  # noqa: BLE001 - the user's file: say what is wrong with it
        raise InvalidInput(f"--config {path}: cannot be read ({type(exc).__name__}: {exc}).") from None


def _monitor(args) -> int:
    """One drift check, as %monitor runs it: exit 0 no drift, 2 drift, 1 error."""
    import json

    from .core.errors import MLOpsError
    from .core.monitoring.check import check
    from .core.monitoring.settings import Monitoring

    overrides = {}
    for pair in args.threshold:
        feature, _, value = pair.partition("=")
        try:
            overrides[feature] = float(value)
        except ValueError:
            print(f"--threshold {pair!r}: write FEATURE=VALUE, e.g. age=0.05", file=sys.stderr)
            return 1
    try:
        settings = Monitoring(config=_config_file(args.config)) if args.config else Monitoring()
        result = check(args.model, window=args.window, overrides=overrides, settings=settings,
                       record=not args.no_record)
    except MLOpsError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.to_dict(), default=float))
    else:
        frame = result.frame()
        print(frame[["feature", "statistic", "value", "threshold", "drifted"]].to_string(index=False)
              if len(frame) else "no logged predictions in the window")
        print(f"{result.ref} (v{result.version}): {result.status}, {len(result.drifted)} drifted over "
              f"{result.live_rows} rows" + (f"; run {result.run_id}" if result.run_id else ""))
    return 2 if result.status == "alert" else 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _ui(args) -> int:
    """The stock MLflow UI on the resolved store (never a new, empty one)."""
    from .core.config import resolve
    from .core.mlflow_ui import missing_store, serve

    settings = resolve(root=args.root) if args.root else resolve()
    problem = missing_store(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return serve(settings, args.host, args.port, args.workers)


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
    monitor = commands.add_parser("monitor", help="check a deployment for drift (exit 2 when something drifted)")
    monitor.add_argument("model", help="the deployment: NAME@ALIAS or NAME/VERSION")
    monitor.add_argument("-w", "--window", help="rows (5000) or time (30m, 1h, 2d); default the newest 10,000 rows")
    monitor.add_argument("-t", "--threshold", action="append", default=[], metavar="FEATURE=VALUE")
    monitor.add_argument("--no-record", action="store_true", help="do not log the check as an MLflow run")
    monitor.add_argument("--json", action="store_true", help="print the result as JSON")
    monitor.add_argument("--config", metavar="FILE", help="a traitlets config file (.py or .json) with "
                         "c.Monitoring settings, e.g. your ipython_config.py or jupyter_server_config.py")
    monitor.set_defaults(run=_monitor)
    ui = commands.add_parser("ui", help="start the stock MLflow UI on this store and print its URL")
    ui.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ui.add_argument("--root", help="the Jupyter root whose .mlops store to show (default: as the kernel finds it)")
    ui.add_argument("--workers", type=_positive_int, default=1,
                    help="server processes (default 1, enough for one person; more for a shared UI)")
    ui.set_defaults(run=_ui)
    commands.add_parser("export", help="export a notebook to a pipeline (see `jupyter-mlops export --help`)")
    from .lifecycle_cli import add_commands

    add_commands(commands)  # retrain, watch, promote, rollback, endpoint, promotions
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
