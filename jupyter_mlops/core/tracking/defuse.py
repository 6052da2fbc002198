"""Def/use of one cell: which notebook-level names it reads, binds, mutates and deletes.

Reads count names used inside functions, lambdas and comprehensions when they resolve to
the notebook's globals; ``x += 1`` reads and binds; ``del x`` reads and unbinds;
``x.a = 1``, ``x[k] = v`` and mutating method calls (``model.fit(...)``,
``df.drop(..., inplace=True)``) read ``x`` and count as a new version of it.
Changes through a loop alias count for what it iterates over: in
``for d in [train, test]: d["x"] = 0`` (or over ``combine = [train, test]``) ``train`` and
``test`` are read and changed.  ``star`` maps a module to the names ``from module import *``
binds, when the caller knows them (the export reads local modules beside the notebook).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field

BUILTINS = frozenset(dir(builtins)) | {"get_ipython", "display", "In", "Out", "_", "__", "___"}
# Method calls made as a statement that change their object in place.
MUTATING_METHODS = frozenset({
    "fit", "partial_fit", "fit_transform", "set_params", "append", "extend", "insert",
    "update", "pop", "popitem", "remove", "clear", "sort", "reverse", "add", "discard",
    "setdefault", "rename_axis", "reset_index", "set_index", "fillna", "dropna", "drop",
    "drop_duplicates", "replace", "sort_values", "sort_index", "shuffle", "seed", "load",
    "load_state_dict", "train", "compile",
})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class DefUse:
    reads: set[str] = field(default_factory=set)  # names read before this cell binds them
    binds: set[str] = field(default_factory=set)  # names (re)bound at the top level
    mutates: set[str] = field(default_factory=set)  # existing objects changed in place
    deletes: set[str] = field(default_factory=set)
    literals: dict[str, ast.Assign] = field(default_factory=dict)  # name = <constant>
    imports_only: bool = True  # only imports, defs, classes and constants
    containers: dict[str, set[str]] = field(default_factory=dict)  # name = [a, b]: holds a and b
    last_is_display: bool = False  # ends in a bare expression (shown by Jupyter)

    @property
    def writes(self) -> set[str]:
        return self.binds | self.mutates


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _target_names(elt)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _root_name(node: ast.AST) -> str | None:
    """``a`` for ``a.b[c].d``."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _scope_locals(node: ast.AST) -> set[str]:
    """Names local to a function, lambda, class body or comprehension (not nested ones)."""
    names: set[str] = set()
    declared_global: set[str] = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                names.add(arg.arg)
        body = node.body if isinstance(node.body, list) else [node.body]
    elif isinstance(node, ast.ClassDef):
        body = node.body
    else:  # comprehension
        body = []
        for gen in getattr(node, "generators", []):
            names.update(_target_names(gen.target))
    stack = list(body)
    while stack:
        child = stack.pop()
        if isinstance(child, ast.Global):
            declared_global.update(child.names)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
            names.add(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(child.name)
            continue  # its body is its own scope
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in child.names)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            names.add(child.name)
        if isinstance(child, (ast.Lambda, *_SCOPES[4:])):
            continue
        stack.extend(ast.iter_child_nodes(child))
    return names - declared_global


def global_reads(node: ast.AST, hidden: frozenset = frozenset()) -> set[str]:
    """Names ``node`` reads from the notebook's globals, looking into nested scopes."""
    found: set[str] = set()

    def visit(n: ast.AST, local: frozenset) -> None:
        if isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Load) and n.id not in local:
                found.add(n.id)
            return
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            # Decorators, defaults and bases run in the enclosing scope.
            outer: list[ast.AST] = [*n.decorator_list]
            if isinstance(n, ast.ClassDef):
                outer += [*n.bases, *(k.value for k in n.keywords)]
            else:
                outer += [*n.args.defaults, *(d for d in n.args.kw_defaults if d is not None)]
            for child in outer:
                visit(child, local)
            inner = local | _scope_locals(n)
            for child in n.body:
                visit(child, inner)
            return
        if isinstance(n, ast.Lambda):
            for child in n.args.defaults:
                visit(child, local)
            visit(n.body, local | _scope_locals(n))
            return
        if isinstance(n, _SCOPES[4:]):
            inner = local | _scope_locals(n)
            for child in ast.iter_child_nodes(n):
                visit(child, inner)
            return
        for child in ast.iter_child_nodes(n):
            visit(child, local)

    visit(node, hidden)
    return found


def _is_constant(value: ast.AST) -> bool:
    if isinstance(value, ast.Constant):
        return True
    return (isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd))
            and isinstance(value.operand, ast.Constant))


def _elements(node: ast.AST) -> set[str] | None:
    """``{a, b}`` for the literal ``[a, b]`` / ``(a, b)``; None for anything else."""
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts and all(isinstance(e, ast.Name) for e in node.elts):
        return {e.id for e in node.elts if isinstance(e, ast.Name)}
    return None


def _loop_aliases(node: ast.AST, aliases: dict[str, set[str]], containers: dict[str, set[str]]) -> None:
    """``for d in [a, b]`` / ``for d in combine``: changing ``d`` changes a and b (or combine)."""
    if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and isinstance(node.target, ast.Name):
        held = _elements(node.iter)
        if held is None and isinstance(node.iter, ast.Name):
            held = {node.iter.id}
        if held:
            expanded = set()
            for name in held:
                expanded |= aliases.get(name) or ({name} | containers.get(name, set()))
            aliases[node.target.id] = expanded


def _mutated(root: str, aliases: dict[str, set[str]], result: DefUse) -> None:
    result.mutates.add(root)
    result.mutates.update(aliases.get(root, ()))


def _statement_writes(stmt: ast.stmt, result: DefUse, star: Mapping[str, set[str]] | None = None) -> None:
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        result.binds.update((a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*")
        if isinstance(stmt, ast.ImportFrom) and star and any(a.name == "*" for a in stmt.names):
            result.binds.update(star.get("." * stmt.level + (stmt.module or ""), ()))
        return
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        result.binds.add(stmt.name)
        for child in ast.walk(stmt):  # `global x` inside a function it defines
            if isinstance(child, ast.Global):
                result.binds.update(child.names)
        return
    aliases: dict[str, set[str]] = {}
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        _loop_aliases(node, aliases, result.containers)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            result.binds.add(node.id)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Del):
            result.deletes.add(node.id)
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            root = _root_name(node)
            if root:
                _mutated(root, aliases, result)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            result.binds.add(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            result.binds.add(node.name)
            continue
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            _mutating_call(node.value, aliases, result)
        if isinstance(node, (ast.Lambda, *_SCOPES[4:])):
            continue  # names bound inside are local to it
        # Children in source order, so a loop's alias is known before its body.
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        held = _elements(stmt.value)
        if held is not None:
            result.containers[stmt.targets[0].id] = held


def _mutating_call(call: ast.Call, aliases: dict[str, set[str]], result: DefUse) -> None:
    """``model.fit(...)``, ``df.drop(..., inplace=True)`` as a statement change their object."""
    func = call.func
    inplace = any(k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
                  for k in call.keywords)
    if isinstance(func, ast.Attribute) and (func.attr in MUTATING_METHODS or inplace):
        root = _root_name(func.value)
        if root:
            _mutated(root, aliases, result)


def _ordered_reads(stmts: list[ast.stmt], bound: set[str], result: DefUse,
                   star: Mapping[str, set[str]] | None = None) -> None:
    """Reads in execution order: a name counts when read before this cell binds it."""
    for stmt in stmts:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            result.reads |= global_reads(stmt.iter, frozenset(bound))
            bound |= set(_target_names(stmt.target))
            _ordered_reads(stmt.body + stmt.orelse, bound, result, star)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                result.reads |= global_reads(item.context_expr, frozenset(bound))
                if item.optional_vars is not None:
                    bound |= set(_target_names(item.optional_vars))
            _ordered_reads(stmt.body, bound, result, star)
        elif isinstance(stmt, (ast.If, ast.While)):
            result.reads |= global_reads(stmt.test, frozenset(bound))
            _ordered_reads(stmt.body + stmt.orelse, bound, result, star)
        elif isinstance(stmt, ast.Try):
            _ordered_reads(stmt.body, bound, result, star)
            for handler in stmt.handlers:
                if handler.type is not None:
                    result.reads |= global_reads(handler.type, frozenset(bound))
                if handler.name:
                    bound.add(handler.name)
                _ordered_reads(handler.body, bound, result, star)
            _ordered_reads(stmt.orelse + stmt.finalbody, bound, result, star)
        else:
            result.reads |= global_reads(stmt, frozenset(bound))
            if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) \
                    and stmt.target.id not in bound:
                result.reads.add(stmt.target.id)
            if isinstance(stmt, ast.Delete):
                result.reads |= {n for t in stmt.targets for n in _target_names(t)} - bound
        probe = DefUse()
        _statement_writes(stmt, probe, star)
        # Changing an alias reads what it stands for (unless this cell made it).
        result.reads |= probe.mutates - bound
        bound |= probe.binds


def analyse(tree: ast.Module, star: Mapping[str, set[str]] | None = None) -> DefUse:
    result = DefUse()
    for stmt in tree.body:
        _statement_writes(stmt, result, star)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and _is_constant(stmt.value):
            result.literals[stmt.targets[0].id] = stmt
        elif not isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                                   ast.ClassDef, ast.Pass)) \
                and not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
            result.imports_only = False
    _ordered_reads(tree.body, set(), result, star)
    result.reads -= BUILTINS
    # A function body reads globals only when called: names this cell binds later are its own.
    result.reads -= {n for n in result.reads if n in result.binds and not _read_before_bind(tree, n, star)}
    result.mutates -= {n for n in result.mutates if n in result.binds and n not in result.reads}
    result.binds -= result.deletes - result.binds
    result.last_is_display = bool(tree.body) and isinstance(tree.body[-1], ast.Expr)
    return result


def _read_before_bind(tree: ast.Module, name: str, star: Mapping[str, set[str]] | None = None) -> bool:
    """True when a top-level statement reads ``name`` before any statement binds it."""
    for stmt in tree.body:
        probe = DefUse()
        _statement_writes(stmt, probe, star)
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            reads = DefUse()
            _ordered_reads([stmt], set(), reads, star)
            if name in reads.reads:
                return True
        if name in probe.binds:
            return False
    return False
