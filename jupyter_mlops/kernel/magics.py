"""The IPython magics: ``%%track``, ``%runs`` and ``%mlops``."""

from __future__ import annotations

from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import Bool, Unicode

from ..core import names
from ..core.tracking import capture
from ..core.tracking.codeinfo import analyze
from .args import StoreAccess, expands_short_lines, parse
from .cell import History, execution_count, relative_notebook
from .tracked_cell import TrackedCell

MAX_SYNC_SECONDS = 86400.0


@magics_class
class MLOpsMagics(StoreAccess, Magics):
    """Configurable as ``c.MLOpsMagics.<name>`` in ipython_config.py."""

    default_experiment = Unicode(
        names.DEFAULT_EXPERIMENT, help="Experiment for cells outside a notebook when --experiment is not given."
    ).tag(config=True)
    show_summary = Bool(True, help="Show a run summary under each tracked cell.").tag(config=True)
    capture_data = Bool(True, help="Fingerprint the DataFrames and arrays tracked cells read and write.").tag(
        config=True)

    def __init__(self, shell=None, **kwargs) -> None:
        super().__init__(shell=shell, **kwargs)
        self._probed = False
        self.history = History(shell)

    def notebook_experiment(self) -> tuple[str, str | None]:
        settings = self.settings
        notebook = relative_notebook(settings.root, settings.state_dir)
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
    @argument("--expect", action="append", default=[], metavar="CONTRACT:VAR",
              help="After the cell, validate DataFrame VAR against contracts/CONTRACT.yaml and record the report "
                   "on the run; repeatable.")
    @argument("--strict", action="store_true", help="With --expect: a violation fails the cell and its run.")
    @cell_magic
    @expands_short_lines
    def track(self, line: str, cell: str):
        """Run the cell and record that execution as one MLflow run.

        The cell runs as it would without the magic; code, dependencies, git state,
        environment, params, metrics, data fingerprints, outputs and status are journaled
        locally and reach MLflow in the background (`%mlops sync` waits for them).
        `--expect CONTRACT:VAR` checks VAR against a data contract (see %contract) after the
        cell: a violation is shown and recorded on the run, or with `--strict` fails the cell.
        """
        args = parse(self.track, line)
        if not cell.strip():
            raise UsageError("%%track needs code in the cell below the magic line.")
        try:
            params = capture.parse_pairs(args.param, "param", names.MLFLOW_MAX_PARAM_VALUE_LENGTH)
            tags = capture.parse_pairs(args.tag, "tag", names.MLFLOW_MAX_TAG_VALUE_LENGTH)
        except capture.InputError as exc:
            raise UsageError(str(exc)) from None
        if names.RUN_KEY in tags:
            raise UsageError(f"--tag {names.RUN_KEY} is the run's idempotency key, set by jupyter-mlops; "
                             "choose another tag name.")
        _check_names(args)
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
        expectations = self._expectations(args, code)
        settings = self.settings
        if not self._probed:
            self._probed = True
            self._warn_if_unreachable(settings)
        notebook_experiment, notebook = self.notebook_experiment()
        experiment = args.experiment or notebook_experiment
        count = execution_count(self.shell)
        run_name = args.name or f"{Path(notebook).stem if notebook else 'cell'} [{count}]"
        run_name = run_name[-names.MLFLOW_MAX_RUN_NAME_LENGTH:]  # a default named after a very long notebook
        if args.no_params:
            code = type(code)(code.reads, code.writes, code.mutates, {}, None)
        tracked = TrackedCell(
            self.shell, self.session, self.history, cell=cell, code=code, experiment=experiment,
            run_name=run_name, notebook=notebook, params=params, tags=capture.clean_tags(tags),
            metrics=args.metric, capture_data=self.capture_data and not args.no_data,
            activate=not args.no_active_run and "start_run(" not in cell,
        )
        tracked.expectations = expectations
        tracked.run()
        for problem in tracked.problems:
            print(f"jupyter-mlops: {problem}")
        if expectations is not None:
            expectations.show()
        if self.show_summary and not args.quiet:
            self._show_summary(tracked, experiment, settings)
        if expectations is not None:
            expectations.raise_if_failed()

    def _expectations(self, args, code):
        if not args.expect and not args.strict:
            return None
        from .contract_magics import contract_folder
        from .expectations import Expectations

        return Expectations.parse(args.expect, args.strict, contract_folder(self.settings), self.settings.root,
                                  self.shell.user_ns, code.writes)

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
        error = self.session.last_error()
        if self.session.held:
            note = "Not journaled yet: the journal cannot be written (see the notice above); kept in memory."
        elif error:
            note = f"Not in MLflow yet ({error[:160]}); it is kept in the journal and retried. `%mlops status`."
        # The run usually exists by now (the drainer creates it as the cell starts);
        # if not, no link rather than a wait.
        experiment_id, run_id = self.session.run_location(tracked.key)
        from ..core.mlflow_ui import ui_url

        ui = ui_url(settings)  # configured, or a running `jupyter-mlops ui`
        link = f"{ui}/#/experiments/{experiment_id}/runs/{run_id}" if ui and run_id else None
        # Metrics the cell logged itself (mlflow.log_metric) are in MLflow already; --metric ones are on their way.
        metrics = {**_mlflow_metrics(tracked), **tracked.logged_metrics}
        fields = dict(name=tracked.run_name, status=tracked.status, duration_s=tracked.duration,
                      params=tracked.params, metrics=metrics, datasets=tracked.datasets,
                      experiment=experiment, link=link, note=note)
        html = summary_html(**fields, run_id=run_id)  # the sidebar opens this run when clicked
        display({"text/html": html, "text/plain": summary_text(**fields)}, raw=True)

    # -- %runs -------------------------------------------------------------------------------
    @magic_arguments()
    @argument("-e", "--experiment", help="Experiment (default: this notebook's).")
    @argument("-n", "--max", type=int, default=100, help="At most this many runs, newest first (default 100).")
    @argument("-f", "--filter", default="", help="MLflow filter string, e.g. \"metrics.acc > 0.9\".")
    @argument("--wait", type=float, default=30.0,
              help="Seconds to wait for runs still in the journal to reach MLflow (default 30; 0: do not wait).")
    @line_magic
    @expands_short_lines
    def runs(self, line: str):
        """This notebook's runs as a pandas DataFrame: params and metrics as columns."""
        args = parse(self.runs, line)
        if args.max < 1:
            raise UsageError("--max must be at least 1.")
        if not 0 <= args.wait <= MAX_SYNC_SECONDS:  # also refuses nan
            raise UsageError(f"--wait must be between 0 and {MAX_SYNC_SECONDS} seconds, not {args.wait}.")
        experiment = args.experiment or self.notebook_experiment()[0]
        pending = self.session.sync(timeout=args.wait)
        from ..core.store.runs import runs_frame

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
    @expands_short_lines
    def mlops(self, line: str):
        """%mlops status | sync [--timeout S] [--retry-failed] | export NOTEBOOK [...]"""
        if line.strip().startswith("export"):
            return self._export(line.strip()[len("export"):].strip())
        args = parse(self.mlops, line)
        from .status import show_status, sync_with_progress

        if args.rest:
            raise UsageError(f"%mlops {args.command} takes no argument {' '.join(args.rest)!r}; "
                             "see %mlops? for the usage.")
        if args.command == "status":
            if line.strip() != "status":
                raise UsageError("%mlops status takes no options; --timeout and --retry-failed are for sync.")
            return show_status(self.session)
        if not 0 <= args.timeout <= MAX_SYNC_SECONDS:  # also refuses nan
            raise UsageError(f"--timeout must be between 0 and {MAX_SYNC_SECONDS} seconds, not {args.timeout}.")
        if args.retry_failed:
            self.session.retry_failed()
        return sync_with_progress(self.session, args.timeout)

    def _export(self, rest: str):
        import shlex

        try:
            from ..pipeline.cli import export_main
        except ImportError as exc:
            raise UsageError(f"Pipeline export is not available: {exc}") from None
        try:
            argv = shlex.split(rest)
        except ValueError as exc:
            raise UsageError(f"Cannot split the arguments ({exc}); check the quotes.") from None
        code = export_main(argv)
        if code:
            raise UsageError(f"export failed (exit code {code}); see the message above.")


def _mlflow_metrics(tracked: TrackedCell) -> dict[str, float]:
    try:
        return tracked.handle.logged_metrics() if tracked.handle else {}
    except Exception:  # noqa: BLE001 - the summary goes without them; the run has them
        return {}


def _check_names(args) -> None:
    """What MLflow would refuse is a UsageError here, before the cell runs, rather than a
    run the store never takes."""
    problems = [
        args.name is not None and capture.name_problem(args.name, "--name", names.MLFLOW_MAX_RUN_NAME_LENGTH),
        args.experiment is not None and capture.name_problem(
            args.experiment, "--experiment", names.MLFLOW_MAX_EXPERIMENT_NAME_LENGTH),
    ]
    for variable in args.metric:
        problem = capture.key_problem(variable)
        if problem:
            problems.append(f"--metric {variable[:60]!r} {problem}.")
    for problem in problems:
        if problem:
            raise UsageError(problem)
