"""Hidden-state checks that need no tracking store: execution order, unpassable values."""

from __future__ import annotations

import ast

from .plan import Finding, Plan

# Values that live in one process: open files, connections, generators, locks, threads.
_UNPASSABLE_CALLS = {"open", "iter", "connect", "cursor", "socket", "Lock", "RLock", "Thread",
                     "Pool", "ThreadPoolExecutor", "ProcessPoolExecutor", "urlopen", "Session",
                     "create_engine", "TemporaryFile", "NamedTemporaryFile"}
UNPASSABLE_KINDS = ("_io.", "builtins.generator", "sqlite3.", "_thread.", "threading.", "socket.",
                    "builtins.module", "psycopg2.", "sqlalchemy.engine", "multiprocessing.")


def execution_order(plan: Plan) -> list[Finding]:
    """Cells run in another order than top to bottom (by their execution counts)."""
    findings = []
    latest = None
    for cell in plan.cells:
        if cell.cell_type != "code" or not isinstance(cell.execution_count, int):
            continue
        if latest is not None and cell.execution_count < latest.execution_count:
            findings.append(Finding(
                "out_of_order",
                f"{cell.label} ran (execution count {cell.execution_count}) before {latest.label} above it "
                f"(execution count {latest.execution_count}): the notebook was run out of order; the "
                "pipeline runs cells top to bottom, so check the results match",
                cell.index, cell.id))
        if latest is None or cell.execution_count > latest.execution_count:
            latest = cell
    return findings


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return None


def unpassable(plan: Plan) -> list[Finding]:
    """Step outputs bound to files, connections or generators cannot go to another step."""
    findings = []
    for step in plan.steps:
        if not step.outputs:
            continue
        for node in ast.walk(ast.parse(step.code)):
            if isinstance(node, (ast.With, ast.AsyncWith)):
                pairs = [(i.optional_vars, i.context_expr) for i in node.items if i.optional_vars is not None]
            elif isinstance(node, ast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            else:
                continue
            for target, value in pairs:
                if not (isinstance(target, ast.Name) and target.id in step.outputs):
                    continue
                call = _call_name(value)
                if isinstance(value, ast.GeneratorExp) or call in _UNPASSABLE_CALLS:
                    what = "a generator" if isinstance(value, ast.GeneratorExp) else f"the result of {call}()"
                    readers = sorted(s.name for s in plan.steps if step.name in s.inputs.values()
                                     and s.inputs.get(target.id) == step.name)
                    findings.append(Finding(
                        "unpassable",
                        f"{step.cell.label} (step '{step.name}') makes '{target.id}' from {what}, which "
                        f"cannot be passed to step(s) {', '.join(readers)}: open or create it in the step "
                        "that uses it, or pass the data it holds instead",
                        step.cell.index, step.cell.id))
    return findings


def unpassable_kind(kind: str) -> bool:
    return kind.startswith(UNPASSABLE_KINDS)
