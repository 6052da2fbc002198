"""Data contracts in an exported pipeline: a step validates what it reads and writes.

The package's ``contracts.json`` (written at export, pipeline/contract_marks.py) holds each
variable to its contracts.  Before a step's code runs, each input it reads that is held
to a contract is validated; after, each value it writes (its outputs and results).  The
contract file is ``contracts/NAME.yaml`` in the working folder (the notebook's folder:
the same files the notebook uses), else the copy in the package.  A violation fails the
step with a message that names the contract, the variable, and each failing check with
its column and example values; every check is also recorded on the step's run as
``%%track --expect`` records it (tag ``mlops.expect.NAME``, list ``mlops.expects``,
metrics ``contract.NAME.violations`` / ``failed_values``).

A :class:`StepContracts` is owned by one pipeline run (run.py's scheduler, or single.py's
one step): it reads ``contracts.json`` once for that run and compiles each contract file
once (again if the file changes while the run goes on).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from jupyter_mlops.core import contracts
from jupyter_mlops.core.contracts import enforce
from jupyter_mlops.core.contracts.enforce import ContractViolation

from .spec import PipelineSpec, StepSpec

MARKS_FILE = "contracts.json"
FOLDER = "contracts"
__all__ = ["ContractViolation", "StepContracts"]


class StepContracts:
    """The pipeline's contracts, for the run that owns this object."""

    def __init__(self, spec: PipelineSpec):
        self.folder = spec.folder
        path = spec.folder / MARKS_FILE
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        self.variables: dict[str, list[str]] = data.get("variables") or {}
        self._loaded: dict[str, tuple[tuple, contracts.Contract]] = {}

    def check_reads(self, client, run_id: str, step: StepSpec, inputs: dict[str, Any]) -> None:
        if self.variables:
            self.check(client, run_id, step, "read", {k: v for k, v in inputs.items() if k in self.variables})

    def check_writes(self, client, run_id: str, step: StepSpec, namespace: dict[str, Any]) -> None:
        if self.variables:
            written = [*step.outputs, *step.results]
            self.check(client, run_id, step, "wrote",
                       {k: namespace[k] for k in written if k in self.variables and k in namespace})

    def check(self, client, run_id: str, step: StepSpec, role: str, values: dict[str, Any]) -> None:
        """Validate ``values`` (``role``: "read" or "wrote") held to a contract; record the
        reports on the run; raise ContractViolation naming every failing check."""
        checked = enforce.check(values, self.variables, self._contract, step=step.name, role=role)
        if checked.tags:
            from mlflow.entities import Metric, RunTag  # here: exporting needs no mlflow

            now = int(time.time() * 1000)
            client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in checked.metrics.items()],
                             tags=[RunTag(k, v) for k, v in checked.tags.items()])
        checked.raise_if_failed()

    def _contract(self, name: str) -> contracts.Contract:
        here = Path.cwd()  # steps run in the notebook's folder
        base = here if (here / FOLDER / f"{name}.yaml").is_file() else self.folder
        path = base / FOLDER / f"{name}.yaml"
        try:
            stat = path.stat()
            stamp: tuple = (str(path), stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (str(path),)
        cached = self._loaded.get(name)
        if cached is None or cached[0] != stamp:  # compiled once, again when the file changes
            cached = self._loaded[name] = (stamp, contracts.load(base, name))
        return cached[1]
