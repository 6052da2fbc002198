"""Cells -> steps: which cells are steps, the shared module, what is left out, and edges.

A ``%%track`` cell or a cell tagged ``step:NAME`` is a step.  Cells holding only imports,
functions, classes and constants form the shared module.  Any other code cell becomes a
step only when a later step reads a name it writes; otherwise it is left out and the
report says why.  A step depends on the latest earlier step that writes a name it reads.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass, field

from ..core.defuse import BUILTINS, DefUse, analyse, global_reads
from .errors import ExportError
from .notebook import Cell
from .source import Track, cell_code

_PLOTTING = {"plt", "sns", "matplotlib", "seaborn", "px", "alt"}


@dataclass
class Finding:
    kind: str  # "excluded", "hidden_state", "out_of_order", "magic", "unpassable", "observed"
    message: str
    cell: int | None = None  # 0-based index
    cell_id: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "cell": self.cell, "cell_id": self.cell_id}


@dataclass
class Step:
    name: str
    cell: Cell
    code: str
    usage: DefUse
    track: Track | None = None
    implicit: bool = False  # an untracked cell a step needs
    inputs: dict[str, str] = field(default_factory=dict)  # name -> producing step
    outputs: list[str] = field(default_factory=list)  # names later steps read
    results: list[str] = field(default_factory=list)  # other names it writes (models...): kept too
    params: dict[str, object] = field(default_factory=dict)  # name -> notebook value
    metrics: list[str] = field(default_factory=list)
    source_run_id: str | None = None  # the notebook's tracked run of this cell

    @property
    def depends_on(self) -> list[str]:
        return sorted(set(self.inputs.values()))


@dataclass
class Plan:
    name: str
    notebook: str
    cells: list[Cell]
    steps: list[Step]  # in a dependency order
    shared: list[tuple[Cell, str]]  # cells of the shared module, as Python
    findings: list[Finding]
    shared_names: set[str] = field(default_factory=set)
    notebook_experiment: str | None = None  # where the notebook's tracked runs are

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


def identifier(text: str, fallback: str = "step") -> str:
    name = re.sub(r"\W+", "_", text.strip()).strip("_").lower() or fallback
    if name[0].isdigit() or keyword.iskeyword(name):
        return f"{fallback}_{name}"
    return name


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _step_tag(cell: Cell) -> str | None:
    for tag in cell.tags:
        if tag.startswith("step:") and tag[5:].strip():
            return tag[5:].strip()
    return None


def _why_left_out(usage: DefUse, code: str) -> str:
    if not code.strip() or not [n for n in ast.parse(code).body if not isinstance(n, ast.Pass)]:
        return "empty or only magics and shell lines"
    if usage.reads & _PLOTTING or ".plot(" in code:
        return "draws a plot"
    if not usage.writes:
        return "display only: it writes no name" if usage.last_is_display else "writes no name a step reads"
    return f"exploratory: no step reads what it writes ({', '.join(sorted(usage.writes))})"


def build_plan(cells: list[Cell], name: str, notebook: str) -> Plan:
    findings: list[Finding] = []
    shared: list[tuple[Cell, str]] = []
    shared_names: set[str] = set()
    function_reads: dict[str, set[str]] = {}
    candidates: list[tuple[Cell, str, DefUse, Track | None, str | None]] = []
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
        tree = ast.parse(code.python)
        if all(isinstance(node, ast.Pass) for node in tree.body):
            if cell.source.strip():
                findings.append(Finding("excluded", f"{cell.label} left out: only magics or shell lines",
                                        cell.index, cell.id))
            continue
        usage = analyse(tree)
        tag = _step_tag(cell)
        if code.track is None and tag is None and usage.imports_only and tree.body:
            shared.append((cell, code.python))
            shared_names |= usage.binds
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    function_reads[node.name] = global_reads(node) - BUILTINS
            continue
        candidates.append((cell, code.python, usage, code.track, tag))

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

    chosen: list[tuple[Cell, str, DefUse, Track | None, str | None]] = []
    wanted: set[str] = set()
    for cand in reversed(candidates):
        cell, code, usage, track, tag = cand
        is_step = track is not None or tag is not None
        if is_step or usage.writes & wanted:
            chosen.append(cand)
            wanted = (wanted - usage.binds) | data_reads(usage)
        else:
            findings.append(Finding("excluded", f"{cell.label} left out: {_why_left_out(usage, code)}",
                                    cell.index, cell.id))
    chosen.reverse()
    findings.sort(key=lambda f: (f.cell if f.cell is not None else -1))

    steps: list[Step] = []
    taken: set[str] = set()
    for cell, code, usage, track, tag in chosen:
        base = identifier((track.name if track and track.name else None) or tag or f"cell_{cell.index + 1}")
        unique, n = base, 2
        while unique in taken:
            unique, n = f"{base}_{n}", n + 1
        taken.add(unique)
        step = Step(unique, cell, code, usage, track, implicit=track is None and tag is None)
        if track:
            step.params.update({k: _literal(v) for k, v in track.params.items()})
            step.metrics = list(track.metrics)
        step.params.update({k: ast.literal_eval(node.value) for k, node in usage.literals.items()})
        steps.append(step)
        if step.implicit:
            findings.append(Finding("implicit_step", f"{cell.label} is not tracked but later steps read "
                                    f"what it writes; exported as step '{unique}'", cell.index, cell.id))
    _link(steps, data_reads, findings)
    for step in steps:
        step.outputs = sorted({n for other in steps for n, src in other.inputs.items() if src == step.name})
        step.results = sorted(step.usage.writes - set(step.outputs) - set(step.params) - set(step.metrics)
                              - _definitions(step.code) - {n for n in step.usage.writes if n.startswith("_")})
    return Plan(name, notebook, cells, _toposort(steps), shared, findings, shared_names)


def _definitions(code: str) -> set[str]:
    """Names a cell binds with import, def or class: code, not results."""
    names: set[str] = set()
    for node in ast.parse(code).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def _link(steps: list[Step], data_reads, findings: list[Finding]) -> None:
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


def _toposort(steps: list[Step]) -> list[Step]:
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
