"""Edges between steps: names (the latest earlier writer), files, ``prev:`` tags; the order."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ExportError
from .plan_types import Finding, Step


def link_names(steps: list[Step], data_reads, findings: list[Finding]) -> None:
    for position, step in enumerate(steps):
        for name in sorted(data_reads(step.usage)):
            if name in step.params:
                continue
            earlier = [s for s in steps[:position] if name in s.usage.writes or name in s.usage.deletes]
            later = [s for s in steps[position + 1:] if name in s.usage.writes]
            label = step.cell.label
            if earlier:
                producer = earlier[-1]
                if name in producer.usage.deletes and name not in producer.usage.binds:
                    findings.append(Finding("hidden_state", f"{label} (step '{step.name}') reads '{name}', "
                                            f"which {producer.cell.label} deletes", step.cell.index, step.cell.id))
                    continue
                step.inputs[name] = producer.name
            elif later:
                producer = later[0]
                step.inputs[name] = producer.name
                findings.append(Finding(
                    "out_of_order", f"{label} (step '{step.name}') reads '{name}' before "
                    f"{producer.cell.label} (step '{producer.name}') writes it: the notebook relied on "
                    "running cells out of order; the pipeline takes it from that later step",
                    step.cell.index, step.cell.id))
            else:
                findings.append(Finding(
                    "hidden_state", f"{label} (step '{step.name}') reads '{name}', which no cell of the "
                    "notebook defines: it came from a deleted or edited cell or from outside; the "
                    "pipeline will fail with NameError until a cell defines it", step.cell.index, step.cell.id))


def link_files(steps: list[Step], findings: list[Finding], folder: Path | None) -> list[str]:
    """Order steps by the files they share: a reader after the latest earlier writer, a
    writer after earlier readers and writers.  Returns the files read that no step writes
    (they stay in the notebook's folder, outside the output)."""
    external: list[str] = []
    for position, step in enumerate(steps):
        earlier = steps[:position]
        for path in step.files_read:
            writers = [s for s in earlier if path in s.files_written]
            if writers:
                step.after.add(writers[-1].name)
            elif path not in step.files_written and path not in external:
                external.append(path)
                where = Path(path) if os.path.isabs(path) or folder is None else folder / path
                if folder is not None and not where.exists():
                    findings.append(Finding(
                        "file", f"{step.cell.label} (step '{step.name}') reads '{path}', which no step writes "
                        f"and which is not in the notebook's folder ({folder}): the step will fail unless "
                        "it exists where the pipeline runs (--workdir)", step.cell.index, step.cell.id))
        for path in step.files_written:
            for other in earlier:
                if path in other.files_read or path in other.files_written:
                    step.after.add(other.name)
    if external:
        findings.append(Finding("external_file", "files the pipeline reads that are not in the output (read from "
                                f"the working folder {folder or '.'} at run time): " + ", ".join(external)))
    return external


def link_prev(steps: list[Step], findings: list[Finding]) -> None:
    """``prev:NAME`` tags (Kale): NAME is a step name; unknown names are reported."""
    names = {s.name for s in steps}
    for step in steps:
        unknown = sorted(n for n in step.after if n not in names)
        for name in unknown:
            step.after.discard(name)
            findings.append(Finding("file", f"{step.cell.label} (step '{step.name}') has the tag prev:{name}, "
                                    "but no step has that name", step.cell.index, step.cell.id))


def toposort(steps: list[Step]) -> list[Step]:
    by_name = {s.name: s for s in steps}
    pending = {s.name: set(s.depends_on) - {s.name} for s in steps}
    for s in steps:
        if s.name in s.inputs.values():
            pending[s.name].add(s.name)
    ordered: list[Step] = []
    while pending:
        ready = [n for n in by_name if n in pending and not pending[n]]
        if not ready:
            raise ExportError(_cycle_message(pending, by_name), code="cycle",
                              cell=by_name[_cycle(pending)[0]].cell.index)
        for n in ready:
            ordered.append(by_name[n])
            del pending[n]
            for deps in pending.values():
                deps.discard(n)
    return ordered


def _cycle(pending: dict[str, set[str]]) -> list[str]:
    node = next(iter(pending))
    path: list[str] = []
    while node not in path:
        path.append(node)
        node = min(pending[node])
    return path[path.index(node):] + [node]


def _cycle_message(pending: dict[str, set[str]], by_name: dict[str, Step]) -> str:
    loop = _cycle(pending)
    parts = [f"'{n}' ({by_name[n].cell.label})" for n in loop]
    return ("Steps depend on each other in a cycle: " + " needs ".join(parts) +
            ". Make one cell stop reading a name the other writes (cells run top to bottom "
            "in the pipeline), then export again.")
