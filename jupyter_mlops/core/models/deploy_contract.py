"""The data contract a deployment's server enforces, as the file it reads at start:
the contract ``%deploy`` found (core/contracts/deployed.py), cut to the model's input
columns (its signature), written beside the server's log."""

from __future__ import annotations

from pathlib import Path


def contract_file_for(checked, local_model: Path, log_path: Path) -> Path | None:
    """The contract the server enforces, cut to the model's input columns, written beside
    its log (None when requests are not checked)."""
    path = log_path.with_suffix(".contract.yaml")
    path.unlink(missing_ok=True)
    if checked is None or not checked.active:
        return None
    from ..contracts import dump
    from ..contracts.deployed import for_inputs

    checked.contract, checked.dropped = for_inputs(checked.contract, _input_names(local_model))
    path.write_text(dump(checked.contract), encoding="utf-8")
    return path


def _input_names(local_model: Path) -> list[str] | None:
    """The column names of the model's input signature, when it has one."""
    from mlflow.models import Model

    try:
        schema = Model.load(str(local_model)).get_input_schema()
        return list(schema.input_names()) if schema is not None and schema.has_input_names() else None
    except Exception:  # noqa: BLE001 - no signature, a tensor signature: the whole contract is checked
        return None
