"""The model magics: ``%register``, ``%deploy``, ``%deployments``, ``%undeploy``, ``%lineage``.

Thin wrappers over core.registry, core.deploy and core.lineage: parse, find the
producing run in this kernel's session, call core, show the result.  Every bad input is
a UsageError, raised before core writes anything.
"""

from __future__ import annotations

import re

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..core import names
from ..core.tracking import capture
from ..core.tracking.session import StoreUnavailable
from .args import StoreAccess, expands_short_lines, parse
from .cell import relative_notebook
from .contract_magics import contract_folder

_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


@magics_class
class ModelMagics(StoreAccess, Magics):
    # -- %register ---------------------------------------------------------------------------
    @magic_arguments()
    @argument("variable", help="The variable holding the fitted model.")
    @argument("-n", "--name", required=True, help="Registered model name (created if new).")
    @argument("-a", "--alias", action="append", default=[], help="Alias to point at the new version; repeatable.")
    @argument("-r", "--run", help="Source run id (default: the latest tracked run that created or changed VARIABLE).")
    @argument("--require", help='Validation gate on the source run, e.g. "metrics.accuracy >= 0.9"; '
                                '"contract:NAME" requires its training data to meet contracts/NAME.yaml.')
    @argument("-d", "--description", help="Description of the new version.")
    @argument("-t", "--tag", action="append", default=[], metavar="KEY=VALUE", help="Version tag; repeatable.")
    @argument("-x", "--example", metavar="VAR", help="Variable with input rows (default: data the source run read).")
    @argument("-s", "--serialization", choices=["skops", "cloudpickle"],
              help="scikit-learn models: skops (no fallback) or cloudpickle (default: skops where it can store the "
                   "model, else cloudpickle).")
    @argument("--reference", metavar="VAR",
              help="Variable with the training rows to profile for drift checks (default: the data the source run "
                   "read).")
    @line_magic
    @expands_short_lines
    def register(self, line: str):
        """Log a model in memory with its MLflow flavor and register a new version, with its lineage."""
        args = parse(self.register, line)
        namespace = self.shell.user_ns
        if not args.variable.isidentifier() or args.variable not in namespace:
            raise UsageError(f"No variable {args.variable!r} in this kernel; name the variable that holds the model.")
        try:
            tags = capture.parse_pairs(args.tag, "tag", names.MLFLOW_MAX_MODEL_TAG_VALUE_LENGTH)
        except capture.InputError as exc:
            raise UsageError(str(exc)) from None
        problem = capture.name_problem(args.name, "--name", names.MLFLOW_MAX_MODEL_NAME_LENGTH)
        if problem:
            raise UsageError(problem)
        example = None
        if args.example:
            if args.example not in namespace:
                raise UsageError(f"--example {args.example}: no such variable.")
            example = _head(namespace[args.example])
        reference = None
        if args.reference:
            if args.reference not in namespace or getattr(namespace[args.reference], "ndim", 0) != 2:
                raise UsageError(f"--reference {args.reference}: name a variable holding the training rows "
                                 "(a DataFrame or 2-d array).")
            reference = namespace[args.reference]
        run_id = args.run or self._producing_run(args.variable)
        if run_id is None:
            print(f"jupyter-mlops: no tracked run wrote {args.variable!r} in this kernel; registering without a "
                  "source run (fit it in a %%track cell to record its lineage).")
        from mlflow.exceptions import MlflowException

        from ..core.models.registry import RegistrationError, register_model, short_error

        try:
            reg = register_model(
                namespace[args.variable], args.name, tracking_uri=self.settings.tracking_uri, run_id=run_id,
                aliases=args.alias, require=args.require, description=args.description, tags=tags,
                input_example=example, variable=args.variable, namespace=namespace,
                experiment=relative_notebook(self.settings.root) or None, serialization=args.serialization,
                reference=reference, reference_name=args.reference,
                contract_dir=contract_folder(self.settings))
        except RegistrationError as exc:
            raise UsageError(str(exc)) from None
        except MlflowException as exc:  # the store failed half-way; what was written is deleted again
            raise UsageError(f"Registering {args.variable} failed: {short_error(exc)}\nNothing was registered. "
                             "Check the MLflow store (`%mlops status`) and try again.") from None
        aliases = "".join(f" @{a}" for a in reg.aliases)
        print(f"Registered {reg.name} v{reg.version}{aliases} ({reg.flavor}) from "
              f"{'run ' + reg.run_id if reg.run_id else 'no source run'}: {reg.model_uri}")
        if reg.serialization and reg.serialization.startswith("skops"):
            print(f"  stored with {reg.serialization}")
        if reg.gate:
            print("  gate passed: " + ", ".join(f"{k} = {v!r}" for k, v in reg.gate.items()))
        for warning in reg.warnings:
            print(f"  note: {warning}")
        if self.settings.ui_url:
            print(f"  {self.settings.ui_url}/#/models/{reg.name}/versions/{reg.version}")

    def _producing_run(self, variable: str) -> str | None:
        key = self.session.writers.get(variable)
        if key is None:
            return None
        try:
            run_id = self.session.wait_for_run_id(key)
        except StoreUnavailable as exc:
            raise UsageError(str(exc)) from None
        pending = self.session.sync(timeout=60)
        if pending:
            raise UsageError(f"{pending} journal entries (the run that produced {variable!r} among them) are not in "
                             "MLflow yet; `%mlops status` says why. Nothing was registered.")
        return run_id

    # -- %deploy / %undeploy / %deployments ----------------------------------------------------
    @magic_arguments()
    @argument("model", help="NAME@ALIAS or NAME/VERSION.")
    @argument("-p", "--port", type=int,
              help="Port to listen on (default: the previous one for this model, or a free one).")
    @argument("--host", default="127.0.0.1",
              help="Address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 serves every interface, "
                   "with no authentication).")
    @argument("--timeout", type=float, default=180.0, help="Seconds to wait for the server's health check.")
    @argument("-q", "--quiet", action="store_true", help="No progress while the server starts.")
    @argument("--no-log", action="store_true",
              help="Do not log predictions (%%predictions and %%monitor then have nothing to read).")
    @argument("--contract", metavar="MODE|NAME|MODE:NAME",
              help="Validate each request against a data contract: reject (a 400 listing the violations), log "
                   "(serve it, record the violations; the default when a contract is found) or off. The contract "
                   "is the one of the version's training data (--expect on its source run, or %%contract on its "
                   "data); NAME (or e.g. reject:NAME) names contracts/NAME.yaml instead.")
    @argument("--max-request-mb", type=float, metavar="MB",
              help="Answer 413 to a request body larger than this, before reading it whole (default: "
                   "c.Monitoring.max_request_mb, 32; 0: no limit).")
    @line_magic
    @expands_short_lines
    def deploy(self, line: str):
        """Serve a registered model version with MLflow's scoring server, in the background.

        Each answered request is logged (inputs, prediction, latency, version, time) and
        ``/metrics`` serves Prometheus metrics on the same port; ``--no-log`` turns the log off.
        Requests are validated against the data contract of the version's training data
        (``--contract reject|log|off|NAME|MODE:NAME``; off when none is found, which the
        output says), and bodies over ``--max-request-mb`` (32 MB) get a 413.
        """
        args = parse(self.deploy, line)
        from ..core.models.deploy import DeployError, deploy
        from ..core.monitoring.settings import Monitoring

        if args.contract != "off":
            self.session.sync(timeout=30)  # a contract linked by %contract or --expect a moment ago is looked up
        progress = None if args.quiet else StartProgress(args.model, in_jupyter=hasattr(self.shell, "kernel"))
        try:
            d = deploy(args.model, tracking_uri=self.settings.tracking_uri, port=args.port, host=args.host,
                       state_dir=self.settings.state_dir, timeout=args.timeout, progress=progress,
                       log=not args.no_log, monitoring=Monitoring(config=self.shell.config), contract=args.contract,
                       contract_dir=contract_folder(self.settings), max_request_mb=args.max_request_mb)
        except DeployError as exc:
            raise UsageError(str(exc)) from None
        finally:
            if progress is not None:
                progress.done()
        print(f"Serving {d.ref} (v{d.version}) at {d.endpoint} (pid {d.pid}). "
              f"POST {d.endpoint}/invocations; `%undeploy {d.ref}` stops it.")
        if d.serving_contract is not None:
            print(f"  {d.serving_contract.describe()}")  # type: ignore[attr-defined]
        if d.host != "127.0.0.1":
            print(f"  warning: listening on {d.host}, port {d.port}: anyone who can reach this machine can call it; "
                  "MLflow's scoring server has no authentication.")

    @magic_arguments()
    @argument("model", nargs="?", help="NAME (all its deployments), NAME@ALIAS or NAME/VERSION.")
    @argument("-p", "--port", type=int, help="The deployment on this port.")
    @argument("--all", action="store_true", help="Every deployment.")
    @argument("--force", action="store_true",
              help="Stop it even when a stable endpoint (%%endpoint) forwards to it.")
    @line_magic
    @expands_short_lines
    def undeploy(self, line: str):
        """Stop a deployment started by %deploy and remove its record."""
        args = parse(self.undeploy, line)
        from ..core.models.deploy import DeployError
        from ..core.models.stopping import undeploy, undeploy_all

        try:
            if args.all:
                stopped = undeploy_all(tracking_uri=self.settings.tracking_uri, force=args.force)
            else:
                stopped = undeploy(args.model, tracking_uri=self.settings.tracking_uri, port=args.port,
                                   force=args.force)
        except DeployError as exc:
            raise UsageError(str(exc)) from None
        for d in stopped:
            print(f"Stopped {d.ref} (v{d.version}) on port {d.port}.")
        if not stopped:
            print("No deployments.")

    @magic_arguments()
    @argument("model", nargs="?", help="Only this registered model.")
    @line_magic
    @expands_short_lines
    def deployments(self, line: str):
        """Deployments with live health, as a DataFrame (a line saying so when there are none)."""
        args = parse(self.deployments, line)
        import pandas as pd

        from ..core.models.deploy import list_deployments

        rows = list_deployments(self.settings.tracking_uri, check_health=True, timeout=2.0, name=args.model)
        if not rows:  # a line that says so, not an empty table of headers
            scope = f" of {args.model}" if args.model else ""
            print(f"No deployments{scope}: `%deploy NAME@ALIAS` starts one.")
            return None
        columns = ["ref", "version", "status", "endpoint", "uptime_s", "alias_version", "port", "pid", "started"]
        frame = pd.DataFrame(rows, columns=columns + [c for c in (rows[0] if rows else {}) if c not in columns])
        if not frame.empty:
            frame["started"] = pd.to_datetime(frame["started"], unit="ms")
        return frame[columns]

    # -- %lineage ----------------------------------------------------------------------------
    @magic_arguments()
    @argument("target", help="A registered model (NAME, NAME@ALIAS, NAME/VERSION) or a run id.")
    @argument("--run", action="store_true", help="TARGET is a run id.")
    @argument("--model", action="store_true", help="TARGET is a model name.")
    @argument("--health", action="store_true", help="Check deployments over HTTP (slower).")
    @argument("--json", action="store_true", help="Return the graph as a dict instead of drawing it.")
    @line_magic
    @expands_short_lines
    def lineage(self, line: str):
        """Draw the lineage of a model or a run: datasets -> runs -> models -> versions -> deployments."""
        args = parse(self.lineage, line)
        from ..core.lineage.graph import LineageError, lineage_graph

        self.session.sync(timeout=30)
        as_run = args.run or (not args.model and bool(_RUN_ID.match(args.target)))
        try:
            graph = lineage_graph(self.settings.tracking_uri, run_id=args.target if as_run else None,
                                  model=None if as_run else args.target, check_health=args.health,
                                  cache=self.session.lineage_cache)
        except LineageError as exc:
            raise UsageError(str(exc)) from None
        if args.json:
            return graph
        from IPython.display import display

        from .lineage_view import lineage_html, lineage_text

        display({"text/html": lineage_html(graph), "text/plain": lineage_text(graph)}, raw=True)


class StartProgress:
    """Shows how a %deploy start goes: in Jupyter one line updated in place (phase and
    seconds waited); elsewhere a line per phase."""

    def __init__(self, model: str, in_jupyter: bool):
        self.model = model
        self.in_jupyter = in_jupyter
        self.handle = None
        self.phase: str | None = None

    def __call__(self, phase: str, seconds: float | None) -> None:
        text = f"{self.model}: {phase}" + (f" ({seconds:.0f} s)" if seconds else "")
        if not self.in_jupyter:
            if phase != self.phase:
                print(text + " ...", flush=True)
        elif self.handle is None:
            from IPython.display import display

            self.handle = display({"text/plain": text}, raw=True, display_id=True)
        else:
            self.handle.update({"text/plain": text}, raw=True)
        self.phase = phase

    def done(self) -> None:
        if self.handle is not None:  # the outcome is printed below; the progress line goes
            self.handle.update({"text/plain": ""}, raw=True)


def _head(data, rows: int = 5):
    if hasattr(data, "head"):
        return data.head(rows)
    try:
        return data[:rows]
    except TypeError:
        raise UsageError("--example must name a DataFrame, array or list of input rows.") from None
