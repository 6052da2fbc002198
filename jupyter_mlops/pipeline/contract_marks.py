"""At export: which variables the notebook holds to a data contract, and the contract files.

A variable is held to the contract NAME when a cell says so: ``%%track --expect NAME:VAR``
(on a step's cell), ``%contract VAR --name NAME`` (NAME defaults to VAR) or ``%contract
VAR --check NAME``.  ``export_contracts(plan, package)`` writes ``contracts.json``
(``{"variables": {VAR: [NAME, ...]}}``) into the package and copies each
``contracts/NAME.yaml`` beside the notebook into the package's ``contracts/``, so a step
run elsewhere still has them (a run in the notebook's folder reads the files there:
pipeline/runner/contracts.py).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

from .plan_types import Finding, Plan
from .runner.contracts import FOLDER, MARKS_FILE

_TRACK = re.compile(r"^\s*%%track\b(.*)$", re.MULTILINE)
_CONTRACT = re.compile(r"^\s*%contract\b(.*)$", re.MULTILINE)


def contract_marks(sources: list[str]) -> dict[str, list[str]]:
    """``{VAR: [NAME, ...]}`` from the cells' ``%%track --expect`` and ``%contract`` lines."""
    marks: dict[str, list[str]] = {}

    def mark(variable: str, name: str) -> None:
        if variable.isidentifier() and name and name not in marks.setdefault(variable, []):
            marks[variable].append(name)

    for source in sources:
        for line in _TRACK.findall(source):
            words = _split(line)
            for i, word in enumerate(words):
                value = words[i + 1] if word == "--expect" and i + 1 < len(words) else \
                    word.partition("=")[2] if word.startswith("--expect=") else None
                if value and ":" in value:
                    name, _, variable = value.partition(":")
                    mark(variable, name)
        for line in _CONTRACT.findall(source):
            words = _split(line)
            if not words or words[0].startswith("-") or "--show" in words:
                continue
            named = _option(words, "--name", "-n") or _option(words, "--check") or words[0]
            mark(words[0], named)
    return marks


def plan_marks(plan: Plan) -> dict[str, list[str]]:
    """The notebook's marks; a finding on the plan for each contract without a file."""
    marks = contract_marks([cell.source for cell in plan.cells if cell.cell_type == "code"])
    folder = Path(plan.workdir or ".") / FOLDER
    for name in sorted({n for names in marks.values() for n in names}):
        if not (folder / f"{name}.yaml").is_file():
            plan.findings.append(Finding("contract", f"contract {name!r} has no file {FOLDER}/{name}.yaml beside "
                                         "the notebook, so the steps held to it will fail: infer it with "
                                         f"`%contract VARIABLE --name {name}`"))
    return marks


def export_contracts(plan: Plan, package: Path) -> dict[str, list[str]]:
    """Write the marks and copy the contract files into ``package``; returns the marks."""
    marks = plan_marks(plan)
    if not marks:
        return marks
    source = Path(plan.workdir or ".") / FOLDER
    for name in sorted({n for names in marks.values() for n in names}):
        found = source / f"{name}.yaml"
        if found.is_file():
            (package / FOLDER).mkdir(exist_ok=True)
            shutil.copyfile(found, package / FOLDER / found.name)
    (package / MARKS_FILE).write_text(json.dumps({"variables": marks}, indent=1) + "\n", encoding="utf-8")
    return marks


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def _option(words: list[str], *flags: str) -> str | None:
    for i, word in enumerate(words):
        if word in flags and i + 1 < len(words):
            return words[i + 1]
    return None
