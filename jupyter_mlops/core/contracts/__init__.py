"""Data contracts: infer one from a DataFrame, keep it as a YAML file beside the notebook,
validate data against it wherever the data passes.

The API other layers call (none of it imports IPython, tornado or mlflow)::

    from jupyter_mlops.core import contracts

    contract = contracts.load(folder, "train")     # folder holding contracts/train.yaml
    report = contracts.validate(frame, contract)   # never raises for bad data
    report.ok, report.violations, report.summary(), report.as_dict()

Errors: ``contracts.ContractFileError`` (InvalidInput, names the line) and
``contracts.UnknownContract`` (NotFound, lists the known names).
"""

from __future__ import annotations

from .files import ContractFileError, UnknownContract, check_name, dump, folder_of, known, load, parse, path_for, save
from .infer import infer
from .model import ColumnRule, Contract
from .report import Report, Violation
from .training import training_reports
from .validate import validate

__all__ = ["ColumnRule", "Contract", "ContractFileError", "Report", "UnknownContract", "Violation", "check_name",
           "dump", "folder_of", "infer", "known", "load", "parse", "path_for", "save", "training_reports", "validate"]
