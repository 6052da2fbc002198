"""What a cell reads, writes and sets: def/use analysis of Python source with ``ast``.

Input is plain Python (the kernel turns magics into Python with IPython's own
transformer first).  Used by %%track for dependencies, literal params and data
capture, and by the pipeline export.
"""

from __future__ import annotations

import ast
import builtins
import functools
from dataclasses import dataclass, field

_BUILTINS = frozenset(dir(builtins)) | {"get_ipython", "display", "In", "Out", "_", "__", "___"}
_PARAM_TYPES = (int, float, str, bool, type(None))


@dataclass(frozen=True)
class CellCode:
    reads: frozenset[str] = frozenset()  # names the cell needs from before it ran
    writes: frozenset[str] = frozenset()  # names it (re)binds, deletes or mutates
    mutates: frozenset[str] = frozenset()  # earlier objects changed in place (df["x"] = ...)
    params: dict = field(default_factory=dict)  # top-level `name = literal` assignments
    syntax_error: str | None = None


class _Scope(ast.NodeVisitor):
    """Collects loads and stores at module level, in source order, and the free names of
    nested functions, lambdas and comprehensions."""

    def __init__(self) -> None:
        self.first_store: dict[str, tuple[int, int]] = {}
        self.first_load: dict[str, tuple[int, int]] = {}
        self.nested_free: set[str] = set()
        self.mutated: set[str] = set()
        self.deleted: set[str] = set()

    # -- module-level names --------------------------------------------------------------
    def _store(self, name: str, node: ast.AST) -> None:
        self.first_store.setdefault(name, (node.lineno, node.col_offset))

    def _load(self, name: str, node: ast.AST) -> None:
        self.first_load.setdefault(name, (node.lineno, node.col_offset))

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._load(node.id, node)
        elif isinstance(node.ctx, ast.Del):
            self.deleted.add(node.id)
            self._load(node.id, node)
        else:
            self._store(node.id, node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)  # the right side runs first
        for target in node.targets:
            self._visit_target(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self._visit_target(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self._load(node.target.id, node.target)
            self._store(node.target.id, node.target)
        else:
            self._visit_target(node.target)

    def _visit_target(self, target: ast.AST) -> None:
        # x.attr = ... / x[k] = ... changes the object x names in place.
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            base = target
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                if isinstance(base, ast.Subscript):
                    self.visit(base.slice)
                base = base.value
            if isinstance(base, ast.Name):
                self._load(base.id, base)
                self.mutated.add(base.id)
            else:
                self.visit(base)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._visit_target(element)
        elif isinstance(target, ast.Starred):
            self._visit_target(target.value)
        else:
            self.visit(target)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._store(alias.asname or alias.name.split(".")[0], node)

    visit_ImportFrom = visit_Import

    def _visit_definition(self, node) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        args = getattr(node, "args", None)
        if args is not None:
            for default in [*args.defaults, *args.kw_defaults]:
                if default is not None:
                    self.visit(default)
        for base in getattr(node, "bases", []):
            self.visit(base)
        self.nested_free |= _free_names(node)
        self._store(node.name, node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_definition

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.nested_free |= _free_names(node)

    def _visit_comprehension(self, node) -> None:
        self.nested_free |= _free_names(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    def visit_Global(self, node: ast.Global) -> None:
        pass


def _free_names(node: ast.AST) -> set[str]:
    """Names a nested scope reads but does not bind itself (a conservative estimate)."""
    loads: set[str] = set()
    bound: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            (loads if isinstance(child.ctx, ast.Load) else bound).add(child.id)
        elif isinstance(child, ast.arg):
            bound.add(child.arg)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
            bound.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            bound.update(a.asname or a.name.split(".")[0] for a in child.names)
        elif isinstance(child, ast.Global):
            loads.update(child.names)
    return loads - bound


def _literal(node: ast.AST):
    value = ast.literal_eval(node)
    if isinstance(value, _PARAM_TYPES):
        return value
    if isinstance(value, (list, tuple)) and len(value) <= 20 and all(isinstance(v, _PARAM_TYPES) for v in value):
        return value
    raise ValueError("not a simple literal")


def literal_params(tree: ast.Module) -> dict:
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
    scope = _Scope()
    for statement in tree.body:
        scope.visit(statement)
    reads = {
        name
        for name, where in scope.first_load.items()
        if name not in scope.first_store or where <= scope.first_store[name]
    }
    reads |= {name for name in scope.nested_free if name not in scope.first_store}
    reads -= _BUILTINS
    writes = set(scope.first_store) | scope.mutated | scope.deleted
    return CellCode(
        reads=frozenset(reads),
        writes=frozenset(writes),
        mutates=frozenset(scope.mutated),
        params=literal_params(tree),
    )
