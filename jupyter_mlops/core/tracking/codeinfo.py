"""What a cell reads, writes and sets, for %%track: a cached view over ``defuse``.

Input is plain Python (the kernel turns magics into Python with IPython's own
transformer first).  The def/use rules themselves live in :mod:`.defuse`, shared with
the pipeline export, so a tracked run and an exported step agree on what a cell needs.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field

from .defuse import analyse

_PARAM_TYPES = (int, float, str, bool, type(None))


@dataclass(frozen=True)
class CellCode:
    reads: frozenset[str] = frozenset()  # names the cell needs from before it ran
    writes: frozenset[str] = frozenset()  # names it (re)binds, deletes or changes in place
    mutates: frozenset[str] = frozenset()  # earlier objects changed in place (df["x"] = ..., model.fit())
    params: dict = field(default_factory=dict)  # top-level `name = literal` assignments
    syntax_error: str | None = None


def _literal(node: ast.AST):
    value = ast.literal_eval(node)
    if isinstance(value, _PARAM_TYPES):
        return value
    if isinstance(value, (list, tuple)) and len(value) <= 20 and all(isinstance(v, _PARAM_TYPES) for v in value):
        return value
    raise ValueError("not a simple literal")


def literal_params(tree: ast.Module) -> dict:
    """Top-level ``name = <literal>`` (and annotated) assignments whose last value is a
    number, string, bool, None or a short list of those."""
    params: dict = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Name) and not target.id.startswith("_"):
            try:
                params[target.id] = _literal(value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                params.pop(target.id, None)  # reassigned to something computed
    return params


@functools.lru_cache(maxsize=2048)
def analyze(source: str) -> CellCode:
    """Def/use facts of one cell of Python source (cached by source text)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return CellCode(syntax_error=f"line {exc.lineno}: {exc.msg}")
    facts = analyse(tree)
    return CellCode(
        reads=frozenset(facts.reads),
        writes=frozenset(facts.binds | facts.mutates | facts.deletes),
        mutates=frozenset(facts.mutates),
        params=literal_params(tree),
    )
