"""``%contract``: infer a data contract from a DataFrame, show one, check data against one.

Contracts are YAML files in ``contracts/`` beside the notebook (core/contracts); each
inference is recorded as a small MLflow run (kind ``contract``) whose dataset input is
the fingerprint of the frame it came from, with the file as an artifact.
"""

from __future__ import annotations

from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..core import contracts, names
from ..core.errors import InvalidInput
from .args import StoreAccess, expands_short_lines, parse
from .cell import notebook_path, relative_notebook


def contract_folder(settings) -> Path:
    """The folder whose ``contracts/`` holds this notebook's contracts: the notebook's own
    folder, or the working directory outside a notebook."""
    path = notebook_path(settings.root, settings.state_dir)
    return path.parent if path is not None else Path.cwd()


def load_contract(settings, name: str) -> contracts.Contract:
    try:
        return contracts.load(contract_folder(settings), name)
    except (InvalidInput, LookupError) as exc:
        raise UsageError(str(exc)) from None


@magics_class
class ContractMagics(StoreAccess, Magics):
    @magic_arguments()
    @argument("variable", nargs="?", help="The DataFrame to infer a contract from (or to check with --check).")
    @argument("-n", "--name", help="Contract name, the file contracts/NAME.yaml (default: the variable's name).")
    @argument("--show", metavar="NAME", help="Print the contract NAME.")
    @argument("--check", metavar="NAME", help="Validate VARIABLE against the contract NAME; returns the report.")
    @argument("--force", action="store_true", help="Infer again over an existing contracts/NAME.yaml.")
    @line_magic
    @expands_short_lines
    def contract(self, line: str):
        """Infer a data contract from a DataFrame and save it as contracts/NAME.yaml beside the notebook.

        %contract VAR [--name NAME] [--force]   infer (columns, dtypes, nullability, ranges,
                                                quantiles, categories, key columns) and link it
                                                to VAR's fingerprint in MLflow
        %contract --show NAME                   print the contract
        %contract VAR --check NAME              validate VAR now; returns the Report
        %contract                               list the contracts beside this notebook

        An existing file is kept (people edit it) unless --force. %%track --expect NAME:VAR
        enforces a contract after a cell, %register --require "contract:NAME" before a
        registration.
        """
        args = parse(self.contract, line)
        folder = contract_folder(self.settings)
        if args.show:
            if args.variable or args.check or args.name or args.force:
                raise UsageError("%contract --show NAME takes no other arguments.")
            contract = load_contract(self.settings, args.show)
            print(Path(contract.path or "").read_text(encoding="utf-8").rstrip())
            return None
        if not args.variable:
            if args.name or args.check or args.force:
                raise UsageError("Name the DataFrame: %contract VARIABLE [--name NAME].")
            known = contracts.known(folder)
            print(f"Contracts in {contracts.folder_of(folder)}: {', '.join(known) if known else 'none yet'}.")
            return None
        frame = self._frame(args.variable)
        if args.check:
            if args.name or args.force:
                raise UsageError("%contract VARIABLE --check NAME takes no --name or --force.")
            report = contracts.validate(frame, load_contract(self.settings, args.check))
            print(f"{args.variable}: {report.summary()}")
            return report
        return self._infer(args, frame, folder)

    def _frame(self, variable: str):
        import pandas as pd

        namespace = self.shell.user_ns
        if not variable.isidentifier() or variable not in namespace:
            raise UsageError(f"No variable {variable!r} in this kernel; name a pandas DataFrame.")
        frame = namespace[variable]
        if isinstance(frame, pd.Series):
            frame = frame.to_frame()
        if not isinstance(frame, pd.DataFrame):
            raise UsageError(f"{variable} is {type(frame).__name__}; %contract needs a pandas DataFrame.")
        return frame

    def _infer(self, args, frame, folder: Path) -> None:
        from ..core.tracking.fingerprint import fingerprint

        name = args.name or args.variable
        try:
            contracts.check_name(name)
        except InvalidInput as exc:
            raise UsageError(str(exc)) from None
        path = contracts.path_for(folder, name)
        found = fingerprint(frame)
        digest = found.digest if found else None
        if path.exists() and not args.force:
            contract = load_contract(self.settings, name)
            report = contracts.validate(frame, contract)
            print(f"jupyter-mlops: {path} exists and is kept (--force infers it again); "
                  f"{args.variable}: {report.summary()}")
        else:
            try:
                contract = contracts.infer(frame, name, variable=args.variable, digest=digest)
            except InvalidInput as exc:
                raise UsageError(f"{args.variable}: {exc}") from None
            contracts.save(folder, contract)
            checks = sum(len(c.checks()) for c in contract.columns)
            print(f"Contract {name!r} written to {path}: {len(contract.columns)} columns, {checks} checks, "
                  f"inferred from {args.variable} ({len(frame)} rows). Review it and commit it; "
                  f"`%contract --show {name}` prints it.")
        self._link(args.variable, contract, path, digest)

    def _link(self, variable: str, contract: contracts.Contract, path: Path, digest: str | None) -> None:
        """A run of kind ``contract``: the frame's fingerprint as its dataset input, the
        file as its artifact, so the dataset and its contract meet in MLflow."""
        import xxhash

        from ..core.tracking import capture
        from ..core.tracking.records import Outcome

        settings = self.settings
        text = path.read_text(encoding="utf-8")
        notebook = relative_notebook(settings.root, settings.state_dir)
        experiment = notebook or names.DEFAULT_EXPERIMENT
        try:
            shown = path.resolve().relative_to(Path(settings.root).resolve()).as_posix()
        except ValueError:
            shown = str(path)
        tags = {names.KIND: names.KIND_CONTRACT, names.CONTRACT_NAME: contract.name, names.CONTRACT_FILE: shown,
                names.CONTRACT_HASH: xxhash.xxh3_128_hexdigest(text.encode()), names.SOURCE_TYPE: "NOTEBOOK"}
        if notebook:
            tags[names.NOTEBOOK] = notebook
        session = self.session
        key = session.start_run(experiment, f"contract {contract.name}", tags, path.parent)
        done = Outcome()
        done.datasets(capture.data_records(self.shell.user_ns, [variable], "input", notebook or "ipython"))
        done.blobs[f"{names.ARTIFACT_CONTRACTS}/{contract.name}.yaml"] = text.encode()
        done.close(0.0)
        session.finish_run(key, "FINISHED", done.entry, done.blobs)
        print(f"  linked to {variable}'s fingerprint {digest[:12] + '...' if digest else '(none)'} "
              f"in MLflow (run 'contract {contract.name}', experiment {experiment!r}).")
