"""Cells -> steps: which cells are steps, the shared module, what is left out, and edges.

How cells group into steps depends on the notebook's marks (see :mod:`.grouping`).  Cells
holding only imports, functions, classes and constants form the shared module; the
top-level imports of step cells run before every step too, so modules never pass
between steps.  A step depends on the latest earlier step that writes a name it reads,
on the step that writes a file it reads (:mod:`.files`), and on ``prev:NAME`` tags.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..core.tracking.codeinfo import literal_params
from ..core.tracking.defuse import BUILTINS, DefUse, analyse, global_reads
from . import edges, imports
from .errors import ExportError
from .files import FileAccess, file_access, string_constants
from .grouping import PARAMETER_TAGS, SHARED_TAGS, Group, choose_mode, exploration, tag_value, tag_values
from .localmods import LocalModules
from .notebook import Cell
from .plan_types import Finding, Plan, Step, identifier
from .source import cell_code

__all__ = ["Finding", "Plan", "Step", "build_plan", "identifier"]


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _why_left_out(usage: DefUse, tree: ast.Module, code: str) -> str:
    if not code.strip() or not [n for n in tree.body if not isinstance(n, ast.Pass)]:
        return "empty or only magics and shell lines"
    why = exploration(tree, usage.writes, usage.reads, usage.last_is_display)
    if why:
        return why
    return f"exploratory: no step reads what it writes ({', '.join(sorted(usage.writes)) or 'no name'})"


class _Analysed:
    """A group with its parse, def/use and files."""

    def __init__(self, group: Group, usage: DefUse, tree: ast.Module, files: FileAccess):
        self.group, self.usage, self.tree, self.files = group, usage, tree, files


def _groups(cells: list[Cell], findings: list[Finding], local: LocalModules | None):
    code_cells = []
    for cell in cells:
        if cell.cell_type != "code":
            continue
        code = cell_code(cell)
        for note in code.notes:
            kind = "info" if "no effect outside a notebook" in note else "magic"
            findings.append(Finding(kind, f"{cell.label}: {note}", cell.index, cell.id))
        if code.cell_magic:
            findings.append(Finding("excluded", f"{cell.label} left out: cell magic %%{code.cell_magic}",
                                    cell.index, cell.id))
            continue
        if code.written_file and local is not None and code.written_file[0].endswith(".py"):
            local.written[Path(code.written_file[0]).stem] = code.written_file[1]
        if all(isinstance(node, ast.Pass) for node in ast.parse(code.python).body):
            if cell.source.strip():
                findings.append(Finding("excluded", f"{cell.label} left out: only magics or shell lines",
                                        cell.index, cell.id))
            continue
        code_cells.append((cell, code))
    grouping = choose_mode(code_cells)
    groups: list[Group] = []
    by_block: dict[str, Group] = {}
    for cell, code in code_cells:
        if any(t in cell.tags for t in PARAMETER_TAGS):
            groups.append(Group([cell], [code.python], code.track, role="params"))
            continue
        if grouping.mode != "kale":
            name = (code.track.name if code.track and code.track.name else None) or tag_value(cell, "step:")
            marked = code.track is not None or tag_value(cell, "step:") is not None
            groups.append(Group([cell], [code.python], code.track, name, marked, tag_values(cell, "prev:")))
            continue
        block = tag_value(cell, "block:")
        if "skip" in cell.tags:
            findings.append(Finding("excluded", f"{cell.label} left out: Kale tag skip", cell.index, cell.id))
        elif any(t in cell.tags for t in SHARED_TAGS):
            groups.append(Group([cell], [code.python], role="shared"))
        elif "pipeline-metrics" in cell.tags:
            tree = ast.parse(code.python)
            metrics = [n.value.id for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Name)]
            groups.append(Group([cell], [code.python], None, "pipeline_metrics", True, metrics=metrics))
        elif block and block in by_block:  # Kale merges cells of one block name
            by_block[block].cells.append(cell)
            by_block[block].codes.append(code.python)
            by_block[block].prev += tag_values(cell, "prev:")
        elif block:
            by_block[block] = Group([cell], [code.python], None, block, True, tag_values(cell, "prev:"))
            groups.append(by_block[block])
        elif groups and groups[-1].role == "step" and groups[-1].marked:  # continues the block above
            groups[-1].cells.append(cell)
            groups[-1].codes.append(code.python)
        else:
            groups.append(Group([cell], [code.python]))
    return grouping, groups


def build_plan(cells: list[Cell], name: str, notebook: str, folder: str | Path | None = None) -> Plan:
    findings: list[Finding] = []
    local = LocalModules(Path(folder)) if folder is not None else None
    grouping, groups = _groups(cells, findings, local)
    known: dict[str, str] = {}
    analysed: list[_Analysed] = []
    for group in groups:
        tree = ast.parse(group.code)
        if local is not None:
            local.imported(tree)
        usage = analyse(tree, local.star_map(tree) if local else None)
        files = file_access(tree, known)
        if local is not None:  # importing a module a %%writefile cell writes reads that file
            files.reads += [f"{m}.py" for m in imports.imported_modules(tree) if m in local.written]
        analysed.append(_Analysed(group, usage, tree, files))
        known.update(string_constants(tree))

    shared: list[tuple[Cell, str]] = []
    shared_names: set[str] = set()
    function_reads: dict[str, set[str]] = {}
    notebook_params: dict[str, object] = {}
    candidates: list[_Analysed] = []
    for item in analysed:
        group, usage = item.group, item.usage
        if group.role == "params":
            notebook_params.update(literal_params(item.tree))
            rest = [n for n in item.tree.body if not (isinstance(n, (ast.Assign, ast.AnnAssign))
                                                      and len(getattr(n, "targets", [None])) == 1)]
            findings.append(Finding("info", f"{group.cell.label} holds the parameters (tag parameters): "
                                    + ", ".join(sorted(literal_params(item.tree))), group.cell.index, group.cell.id))
            if not rest:
                continue
        if group.role == "shared" or (not group.marked and group.track is None and len(group.cells) == 1
                                      and group.role == "step" and item.tree.body
                                      and (usage.imports_only or imports.setup_only(item.tree, usage)
                                           and not (item.files.reads or item.files.writes or item.files.unknown_reads
                                                    or item.files.unknown_writes))):
            shared.append((group.cell, group.code))
            shared_names |= usage.binds
            for node in item.tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    function_reads[node.name] = global_reads(node) - BUILTINS
            continue
        candidates.append(item)

    prelude, imported_names = imports.prelude([c.tree for c in candidates], [ast.parse(code) for _, code in shared],
                                              local)
    rebound = {n for c in candidates for n in c.usage.binds - imports.import_binds(c.tree, local)}
    shared_names |= imported_names - rebound
    _expand_containers(candidates)

    # Names a shared function reads from the notebook are read by the step calling it.
    def data_reads(usage: DefUse) -> set[str]:
        reads, todo = set(), list(usage.reads)
        while todo:
            n = todo.pop()
            if n in reads:
                continue
            reads.add(n)
            todo.extend(function_reads.get(n, ()))
        return reads - shared_names

    chosen = _choose(candidates, grouping.mode, data_reads, findings)
    steps = _make_steps(chosen, grouping.mode, notebook_params, data_reads, findings)
    edges.link_names(steps, data_reads, findings)
    external = edges.link_files(steps, findings, Path(folder) if folder is not None else None)
    edges.link_prev(steps, findings)
    for step in steps:
        step.outputs = sorted({n for other in steps for n, src in other.inputs.items() if src == step.name})
        step.results = sorted(step.usage.writes - set(step.outputs) - set(step.params) - set(step.metrics)
                              - imports.definitions(step.code) - shared_names
                              - {n for n in step.usage.writes if n.startswith("_")})
    plan = Plan(name, notebook, cells, edges.toposort(steps), shared, findings, shared_names,
                grouping=grouping.as_dict(), prelude=prelude, external_files=external)
    if folder is not None:
        plan.workdir = str(Path(folder).resolve())
    if local is not None:
        plan.local_modules = local.sources()
    return plan


def _expand_containers(candidates: list[_Analysed]) -> None:
    """``combine = [train, test]`` in one cell, ``for d in combine: d[...] = ...`` in a later
    one: the later cell reads and changes train and test."""
    containers: dict[str, set[str]] = {}
    for item in candidates:
        usage = item.usage
        extra: set[str] = set()
        for name in list(usage.mutates):
            extra |= containers.get(name, set())
        extra -= usage.binds
        usage.mutates |= extra
        usage.reads |= extra
        for name in usage.binds:
            containers.pop(name, None)
        containers.update(usage.containers)


def _choose(candidates: list[_Analysed], mode: str, data_reads, findings: list[Finding]) -> list[_Analysed]:
    chosen: list[_Analysed] = []
    wanted: set[str] = set()
    wanted_files: set[str] = set()
    for item in reversed(candidates):
        group, usage = item.group, item.usage
        if mode == "cells" and not group.marked and group.track is None:
            group.marked = exploration(item.tree, usage.writes, usage.reads, usage.last_is_display) is None
        needed = usage.writes & wanted or set(item.files.writes) & wanted_files
        if group.marked or group.track is not None or needed:
            chosen.append(item)
            wanted = (wanted - usage.binds) | data_reads(usage)
            wanted_files = (wanted_files - set(item.files.writes)) | set(item.files.reads)
        else:
            findings.append(Finding("excluded", f"{group.cell.label} left out: "
                                    f"{_why_left_out(usage, item.tree, group.code)}", group.cell.index, group.cell.id))
    chosen.reverse()
    findings.sort(key=lambda f: (f.cell if f.cell is not None else -1))
    return chosen


def _make_steps(chosen: list[_Analysed], mode: str, notebook_params: dict, data_reads,
                findings: list[Finding]) -> list[Step]:
    steps: list[Step] = []
    taken: set[str] = set()
    for item in chosen:
        group, usage = item.group, item.usage
        cell, track = group.cell, group.track
        base = identifier(group.name or f"cell_{cell.index + 1}")
        unique, n = base, 2
        while unique in taken:
            unique, n = f"{base}_{n}", n + 1
        taken.add(unique)
        explicit = track is not None or (group.marked and mode != "cells") or (group.name is not None)
        step = Step(unique, cell, group.code, usage, track, implicit=not explicit and mode == "marked",
                    cells=list(group.cells), files_read=list(dict.fromkeys(item.files.reads)),
                    files_written=list(dict.fromkeys(item.files.writes)))
        step.why = _why(group, mode)
        step.after = {identifier(p) for p in group.prev}  # checked in edges.link_prev
        if track:
            step.params.update({k: _literal(v) for k, v in track.params.items()})
            step.metrics = list(track.metrics)
        step.metrics += [m for m in group.metrics if m not in step.metrics]
        step.params.update({k: ast.literal_eval(node.value) for k, node in usage.literals.items()})
        for key in sorted(data_reads(usage) & set(notebook_params)):
            step.params.setdefault(key, notebook_params[key])
        for line in item.files.unknown_reads + item.files.unknown_writes:
            findings.append(Finding("file", f"{cell.label} (step '{unique}') reads or writes a file whose path is "
                                    f"computed at run time (line {line}): the export cannot tell which step "
                                    "writes it; use a literal path, or tag the cell prev:STEP to order it",
                                    cell.index, cell.id))
            break
        steps.append(step)
        if step.implicit:
            findings.append(Finding("implicit_step", f"{cell.label} is not tracked but later steps read "
                                    f"what it writes; exported as step '{unique}'", cell.index, cell.id))
    return steps


def _why(group: Group, mode: str) -> str:
    if group.track is not None:
        return "a %%track cell"
    if group.role == "params":
        return "the parameters cell also computes values"
    if mode == "kale":
        return f"Kale block '{group.name}' ({len(group.cells)} cell(s))"
    if group.name:
        return f"tagged step:{group.name}"
    if mode == "cells":
        return "a code cell that does work (no marks in the notebook)"
    return "a later step needs what it writes"


def check_no_steps(plan: Plan, where: str) -> None:
    if not plan.steps:
        raise ExportError(f"{where} has no steps: every code cell only displays, plots or defines code. "
                          "Mark cells with %%track or the tag step:NAME, then export again.", code="no_steps")
