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

from ..core import capture
from ..core.session import StoreUnavailable
from .args import StoreAccess, parse
from .cell import relative_notebook

_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


@magics_class
class ModelMagics(StoreAccess, Magics):
    # -- %register ---------------------------------------------------------------------------
    @magic_arguments()
    @argument("variable", help="The variable holding the fitted model.")
    @argument("-n", "--name", required=True, help="Registered model name (created if new).")
    @argument("-a", "--alias", action="append", default=[], help="Alias to point at the new version; repeatable.")
    @argument("-r", "--run", help="Source run id (default: the latest tracked run that created or changed VARIABLE).")
    @argument("--require", help='Validation gate on the source run, e.g. "metrics.accuracy >= 0.9".')
    @argument("-d", "--description", help="Description of the new version.")
    @argument("-t", "--tag", action="append", default=[], metavar="KEY=VALUE", help="Version tag; repeatable.")
    @argument("-x", "--example", metavar="VAR", help="Variable with input rows (default: data the source run read).")
    @line_magic
    def register(self, line: str):
        """Log a model in memory with its MLflow flavor and register a new version, with its lineage."""
        args = parse(self.register, line)
        namespace = self.shell.user_ns
        if not args.variable.isidentifier() or args.variable not in namespace:
            raise UsageError(f"No variable {args.variable!r} in this kernel; name the variable that holds the model.")
        try:
            tags = capture.parse_pairs(args.tag, "tag")
        except capture.InputError as exc:
            raise UsageError(str(exc)) from None
        example = None
        if args.example:
            if args.example not in namespace:
                raise UsageError(f"--example {args.example}: no such variable.")
            example = _head(namespace[args.example])
        run_id = args.run or self._producing_run(args.variable)
        if run_id is None:
            print(f"jupyter-mlops: no tracked run wrote {args.variable!r} in this kernel; registering without a "
                  "source run (fit it in a %%track cell to record its lineage).")
        from ..core.registry import RegistrationError, register_model

        try:
            reg = register_model(
                namespace[args.variable], args.name, tracking_uri=self.settings.tracking_uri, run_id=run_id,
                aliases=args.alias, require=args.require, description=args.description, tags=tags,
                input_example=example, variable=args.variable, namespace=namespace,
                experiment=relative_notebook(self.settings.root) or None)
        except RegistrationError as exc:
            raise UsageError(str(exc)) from None
        aliases = "".join(f" @{a}" for a in reg.aliases)
        print(f"Registered {reg.name} v{reg.version}{aliases} ({reg.flavor}) from "
              f"{'run ' + reg.run_id if reg.run_id else 'no source run'}: {reg.model_uri}")
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
    @argument("-p", "--port", type=int, help="Port on 127.0.0.1 (default: the previous one for this model, or a free one).")
    @argument("--timeout", type=float, default=180.0, help="Seconds to wait for the server's health check.")
    @line_magic
    def deploy(self, line: str):
        """Serve a registered model version with MLflow's scoring server, in the background."""
        args = parse(self.deploy, line)
        from ..core.deploy import DeployError, deploy

        print(f"Starting MLflow's model server for {args.model} ...", flush=True)
        try:
            d = deploy(args.model, tracking_uri=self.settings.tracking_uri, port=args.port,
                       state_dir=self.settings.state_dir, timeout=args.timeout)
        except DeployError as exc:
            raise UsageError(str(exc)) from None
        print(f"Serving {d.ref} (v{d.version}) at {d.endpoint} (pid {d.pid}). "
              f"POST {d.endpoint}/invocations; `%undeploy {d.ref}` stops it.")

    @magic_arguments()
    @argument("model", nargs="?", help="NAME (all its deployments), NAME@ALIAS or NAME/VERSION.")
    @argument("-p", "--port", type=int, help="The deployment on this port.")
    @argument("--all", action="store_true", help="Every deployment.")
    @line_magic
    def undeploy(self, line: str):
        """Stop a deployment started by %deploy and remove its record."""
        args = parse(self.undeploy, line)
        from ..core.deploy import DeployError, deployments, undeploy

        try:
            if args.all:
                stopped = []
                for name in sorted({d.name for d in deployments(self.settings.tracking_uri, check_health=False)}):
                    stopped += undeploy(name, tracking_uri=self.settings.tracking_uri)
            else:
                stopped = undeploy(args.model, tracking_uri=self.settings.tracking_uri, port=args.port)
        except DeployError as exc:
            raise UsageError(str(exc)) from None
        for d in stopped:
            print(f"Stopped {d.ref} (v{d.version}) on port {d.port}.")
        if not stopped:
            print("No deployments.")

    @magic_arguments()
    @argument("model", nargs="?", help="Only this registered model.")
    @line_magic
    def deployments(self, line: str):
        """Deployments with live health, as a DataFrame."""
        args = parse(self.deployments, line)
        import pandas as pd

        from ..core.deploy import list_deployments

        rows = list_deployments(self.settings.tracking_uri, check_health=True, timeout=2.0, name=args.model)
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
    def lineage(self, line: str):
        """Draw the lineage of a model or a run: datasets -> runs -> models -> versions -> deployments."""
        args = parse(self.lineage, line)
        from ..core.lineage import LineageError, lineage_graph

        self.session.sync(timeout=30)
        as_run = args.run or (not args.model and bool(_RUN_ID.match(args.target)))
        try:
            graph = lineage_graph(self.settings.tracking_uri, run_id=args.target if as_run else None,
                                  model=None if as_run else args.target, check_health=args.health)
        except LineageError as exc:
            raise UsageError(str(exc)) from None
        if args.json:
            return graph
        from IPython.display import display

        from .lineage_view import lineage_html, lineage_text

        display({"text/html": lineage_html(graph), "text/plain": lineage_text(graph)}, raw=True)


def _head(data, rows: int = 5):
    if hasattr(data, "head"):
        return data.head(rows)
    try:
        return data[:rows]
    except TypeError:
        raise UsageError("--example must name a DataFrame, array or list of input rows.") from None
