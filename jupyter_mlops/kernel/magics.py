"""The IPython magics: ``%%track``, ``%runs`` and ``%mlops``."""

from __future__ import annotations

from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import Bool, Unicode

from ..core import capture, names
from ..core.codeinfo import analyze
from .args import StoreAccess, parse
from .cell import History, execution_count, relative_notebook
from .tracked_cell import TrackedCell


@magics_class
class MLOpsMagics(StoreAccess, Magics):
    """Configurable as ``c.MLOpsMagics.<name>`` in ipython_config.py."""

    default_experiment = Unicode(
        names.DEFAULT_EXPERIMENT, help="Experiment for cells outside a notebook when --experiment is not given."
    ).tag(config=True)
    show_summary = Bool(True, help="Show a run summary under each tracked cell.").tag(config=True)
    capture_data = Bool(True, help="Fingerprint the DataFrames and arrays tracked cells read and write.").tag(config=True)

    def __init__(self, shell=None, **kwargs) -> None:
        super().__init__(shell=shell, **kwargs)
        self._probed = False
        self.history = History(shell)

    def notebook_experiment(self) -> tuple[str, str | None]:
        notebook = relative_notebook(self.settings.root)
        return (notebook or self.default_experiment), notebook

    # -- %%track -----------------------------------------------------------------------------
    @magic_arguments()
    @argument("-n", "--name", help="Run name (default: '<notebook> [<execution count>]').")
    @argument("-e", "--experiment", help="Experiment (default: one per notebook, named after its path).")
    @argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
              help="A parameter to log; repeatable. Literal assignments in the cell (lr = 0.1) are logged too.")
    @argument("-t", "--tag", action="append", default=[], metavar="KEY=VALUE", help="A tag to set; repeatable.")
    @argument("-m", "--metric", action="append", default=[], metavar="VAR",
              help="A variable to log as a metric after the cell (a number, or a dict of numbers); repeatable.")
    @argument("--no-params", action="store_true", help="Do not log literal assignments as params.")
    @argument("--no-data", action="store_true", help="Do not fingerprint DataFrames and arrays.")
    @argument("--no-active-run", action="store_true",
              help="Do not make the run MLflow's active run while the cell runs.")
    @argument("-q", "--quiet", action="store_true", help="Do not show the run summary.")
    @cell_magic
    def track(self, line: str, cell: str):
        """Run the cell and record that execution as one MLflow run.

        The cell runs as it would without the magic; code, dependencies, git state,
        environment, params, metrics, data fingerprints, outputs and status are journaled
        locally and reach MLflow in the background (`%mlops sync` waits for them).
        """
        args = parse(self.track, line)
        if not cell.strip():
            raise UsageError("%%track needs code in the cell below the magic line.")
        try:
            params = capture.parse_pairs(args.param, "param")
            tags = capture.parse_pairs(args.tag, "tag")
        except capture.InputError as exc:
            raise UsageError(str(exc)) from None
        code = analyze(self.history.python_source(cell))
        if code.syntax_error:
            # Nothing ran, so no run: let IPython report the syntax error as usual.
            return self._run_untracked(cell)
        for variable in args.metric:
            if not variable.isidentifier():
                raise UsageError(f"--metric {variable!r} is not a variable name.")
            if variable not in self.shell.user_ns and variable not in code.writes:
                raise UsageError(
                    f"--metric {variable}: the cell does not assign {variable!r} and no such variable exists; "
                    "name a variable that holds a number (or a dict of numbers) after the cell runs."
                )
        settings = self.settings
        if not self._probed:
            self._probed = True
            self._warn_if_unreachable(settings)
        notebook_experiment, notebook = self.notebook_experiment()
        experiment = args.experiment or notebook_experiment
        count = execution_count(self.shell)
        run_name = args.name or f"{Path(notebook).stem if notebook else 'cell'} [{count}]"
        if args.no_params:
            code = type(code)(code.reads, code.writes, code.mutates, {}, None)
        tracked = TrackedCell(
            self.shell, self.session, self.history, cell=cell, code=code, experiment=experiment,
            run_name=run_name, notebook=notebook, params=params, tags=capture.clean_tags(tags),
            metrics=args.metric, capture_data=self.capture_data and not args.no_data,
            activate=not args.no_active_run and "start_run(" not in cell,
        )
        tracked.run()
        for problem in tracked.problems:
            print(f"jupyter-mlops: {problem}")
        if self.show_summary and not args.quiet:
            self._show_summary(tracked, experiment, settings)

    @staticmethod
    def _warn_if_unreachable(settings) -> None:
        """Once per kernel: say so when the tracking server does not answer.  The cell
        still runs and its run waits in the journal; this is a notice, not an error."""
        from ..core.store import unreachable_reason

        reason = unreachable_reason(settings.tracking_uri)
        if reason:
            print(f"jupyter-mlops: the tracking server {settings.display_uri} does not answer ({reason}). "
                  "Tracked runs are kept in the local journal and sent when it is back; "
                  "`%mlops status` shows the backlog, `%mlops sync` sends it.")

    def _run_untracked(self, cell: str):
        outer = self.shell.displayhook.exec_result
        result = self.shell.run_cell(cell, store_history=False)
        self.shell.displayhook.exec_result = outer
        if outer is not None and result.error_before_exec is not None:
            outer.error_before_exec = result.error_before_exec

    def _show_summary(self, tracked: TrackedCell, experiment: str, settings) -> None:
        from IPython.display import display

        from .summary import summary_html, summary_text

        note = None
        error = self.session.journal.last_error()
        if error:
            note = f"Not in MLflow yet ({error[:160]}); it is kept in the journal and retried. `%mlops status`."
        # The run usually exists by now (the drainer creates it as the cell starts);
        # if not, no link rather than a wait.
        experiment_id, run_id = self.session.journal.run_location(tracked.key)
        link = f"{settings.ui_url}/#/experiments/{experiment_id}/runs/{run_id}" if settings.ui_url and run_id else None
        fields = dict(name=tracked.run_name, status=tracked.status, duration_s=tracked.duration,
                      params=tracked.params, metrics=tracked.logged_metrics, datasets=tracked.datasets,
                      experiment=experiment, link=link, note=note)
        display({"text/html": summary_html(**fields), "text/plain": summary_text(**fields)}, raw=True)

    # -- %runs -------------------------------------------------------------------------------
    @magic_arguments()
    @argument("-e", "--experiment", help="Experiment (default: this notebook's).")
    @argument("-n", "--max", type=int, default=100, help="At most this many runs, newest first (default 100).")
    @argument("-f", "--filter", default="", help="MLflow filter string, e.g. \"metrics.acc > 0.9\".")
    @line_magic
    def runs(self, line: str):
        """This notebook's runs as a pandas DataFrame: params and metrics as columns."""
        args = parse(self.runs, line)
        if args.max < 1:
            raise UsageError("--max must be at least 1.")
        experiment = args.experiment or self.notebook_experiment()[0]
        pending = self.session.sync(timeout=10)
        from ..core.runs import runs_frame

        try:
            frame = runs_frame(self.settings.tracking_uri, experiment, args.max, args.filter)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if pending:
            print(f"jupyter-mlops: {pending} journal entries are not in MLflow yet; they are missing below.")
        return frame

    # -- %mlops ------------------------------------------------------------------------------
    @magic_arguments()
    @argument("command", choices=["status", "sync", "export"], help="What to do.")
    @argument("rest", nargs="*", help="Arguments of the command (sync: --timeout S; export: see --help).")
    @argument("--timeout", type=float, default=120.0, help="sync: how long to wait, in seconds (default 120).")
    @argument("--retry-failed", action="store_true", help="sync: put entries that failed for good back in the queue.")
    @line_magic
    def mlops(self, line: str):
        """%mlops status | sync [--timeout S] [--retry-failed] | export NOTEBOOK [...]"""
        if line.strip().startswith("export"):
            return self._export(line.strip()[len("export"):].strip())
        args = parse(self.mlops, line)
        from .status import show_status, sync_with_progress

        if args.command == "status":
            return show_status(self.session)
        if args.retry_failed:
            self.session.journal.retry_failed()
        return sync_with_progress(self.session, args.timeout)

    def _export(self, rest: str):
        import shlex

        try:
            from ..pipeline.cli import export_main
        except ImportError as exc:
            raise UsageError(f"Pipeline export is not available: {exc}") from None
        code = export_main(shlex.split(rest))
        if code:
            raise UsageError(f"export failed (exit code {code}); see the message above.")
