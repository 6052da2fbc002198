"""The lifecycle magics: ``%rollback``, ``%promote``, ``%retrain``, ``%endpoint``, ``%promotions``.

Thin wrappers over core.lifecycle: parse, call core, show the result.  Bad input is a
UsageError; a refused promotion is a UsageError saying why (the refusal is audited).
"""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..core.errors import MLOpsError
from .args import StoreAccess, expands_short_lines, parse
from .contract_magics import contract_folder


@magics_class
class LifecycleMagics(StoreAccess, Magics):
    def _common(self) -> dict:
        return {"tracking_uri": self.settings.tracking_uri, "state_dir": self.settings.state_dir}

    @magic_arguments()
    @argument("model", help="NAME@ALIAS, e.g. churn@champion.")
    @argument("--to", metavar="VERSION", help="Roll back to this version (default: the one before the last move).")
    @argument("--no-rollover", action="store_true", help="Move the alias only; leave deployments as they are.")
    @line_magic
    @expands_short_lines
    def rollback(self, line: str):
        """Move NAME@ALIAS back to its previous version (audited as rolled_back), then roll
        its deployment over (with no failed request behind a stable endpoint, `%endpoint`)."""
        args = parse(self.rollback, line)
        from ..core import lifecycle
        from ..core.lifecycle.endpoint import split_ref

        try:
            name, alias = split_ref(args.model)
            moved = lifecycle.rollback(name, alias, to_version=args.to, rollover=not args.no_rollover,
                                       **self._common())
        except MLOpsError as exc:
            raise UsageError(exc.message) from None
        print(lifecycle.describe_move(moved))

    @magic_arguments()
    @argument("model", help="NAME/VERSION, e.g. churn/3.")
    @argument("-a", "--alias", default="champion", help="The alias to move (default champion).")
    @argument("--force", action="store_true", help="Move it without the policy's gate (audited as forced).")
    @argument("--no-rollover", action="store_true", help="Move the alias only.")
    @line_magic
    @expands_short_lines
    def promote(self, line: str):
        """Move an alias to a version if it passes its policy's gate (policies/NAME.yaml beside
        the notebook: the version against the alias's champion on the holdout), then roll the
        deployment over.  A refusal moves nothing and is audited; ``--force`` skips the gate."""
        args = parse(self.promote, line)
        from ..core import lifecycle
        from ..core.models.deploy import DeployError, parse_ref

        try:
            name, _, version = parse_ref(args.model)
        except DeployError as exc:
            raise UsageError(exc.message) from None
        if version is None:
            raise UsageError(f"{args.model!r}: name the version to promote as NAME/VERSION, e.g. churn/3.")
        try:
            moved = lifecycle.promote(name, version, args.alias, force=args.force, rollover=not args.no_rollover,
                                      root=contract_folder(self.settings), **self._common())
        except MLOpsError as exc:
            raise UsageError(exc.message) from None
        print(lifecycle.describe_move(moved))

    @magic_arguments()
    @argument("policy", help="The policy's name: policies/NAME.yaml beside the notebook.")
    @line_magic
    @expands_short_lines
    def retrain(self, line: str):
        """Run a retraining policy once: the exported pipeline, the gate, the promotion.
        Returns the outcome as a dict (decision, version, gate figures, rollover)."""
        args = parse(self.retrain, line)
        from ..core import lifecycle

        try:
            outcome = lifecycle.retrain(args.policy, root=contract_folder(self.settings),
                                        progress=lambda text: print(f"... {text}", flush=True), **self._common())
        except MLOpsError as exc:
            raise UsageError(exc.message) from None
        print(f"{outcome.model}: {outcome.decision}" + (f" v{outcome.version}" if outcome.version else "") +
              f" ({outcome.seconds:.1f} s): {outcome.message}")
        return outcome.to_dict()

    @magic_arguments()
    @argument("model", help="NAME@ALIAS, e.g. churn@champion.")
    @argument("-p", "--port", type=int, help="The stable port (default: a free one).")
    @argument("--close", action="store_true", help="Stop the endpoint's proxy (the model server keeps running).")
    @line_magic
    @expands_short_lines
    def endpoint(self, line: str):
        """A stable endpoint for NAME@ALIAS: a port that keeps its address while promotions and
        rollbacks change the version behind it, with no failed request."""
        args = parse(self.endpoint, line)
        from ..core import lifecycle

        try:
            if args.close:
                found = lifecycle.close_endpoint(args.model, tracking_uri=self.settings.tracking_uri)
                print(f"Closed the endpoint of {found.name}@{found.alias} on port {found.port}.")
                return
            found = lifecycle.open_endpoint(args.model, port=args.port, **self._common())
        except MLOpsError as exc:
            raise UsageError(exc.message) from None
        print(f"{found.name}@{found.alias} (v{found.version}) at {found.url}: POST {found.url}/invocations")

    @magic_arguments()
    @argument("model", help="The registered model's NAME.")
    @line_magic
    @expands_short_lines
    def promotions(self, line: str):
        """A model's decisions (triggered, retrained, gated, promoted, refused, rolled back),
        newest first, as a DataFrame; pending triggers are printed above it."""
        args = parse(self.promotions, line)
        import pandas as pd

        from ..core import lifecycle

        try:
            status = lifecycle.model_status(args.model, root=contract_folder(self.settings), **self._common())
        except MLOpsError as exc:
            raise UsageError(exc.message) from None
        for event in status["pending"]:
            duplicate = " - a duplicate" if event["duplicate"] else ""
            print(f"pending: {event['kind']} trigger ({event['key']}){duplicate}")
        columns = ["time", "decision", "alias", "from_version", "to_version", "forced", "trigger", "outcome", "run_id"]
        frame = pd.DataFrame(status["history"], columns=columns)
        frame["time"] = pd.to_datetime(frame["time"], unit="ms")
        return frame

