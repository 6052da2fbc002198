"""Turn a code cell into plain Python: read ``%%track`` options, unwrap or drop magics.

IPython's input transformer rewrites magics and shell lines into
``get_ipython().run_line_magic(...)`` / ``.system(...)`` calls; those statements are then
unwrapped (``%time x = f()`` becomes ``x = f()``) or dropped with a note for the report,
so the exported code never needs IPython to run.
"""

from __future__ import annotations

import argparse
import ast
import re
import shlex
from dataclasses import dataclass, field

from .errors import ExportError
from .notebook import Cell

# Line magics that only change how a cell is shown or timed: the statement they wrap runs.
_TIMING = {"time", "timeit", "prun"}
_QUIET = {"matplotlib", "load_ext", "reload_ext", "autoreload", "config", "precision", "env",
          "who", "whos", "history", "pwd", "mlops", "runs"}


@dataclass
class Track:
    name: str | None = None
    experiment: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: list[str] = field(default_factory=list)


@dataclass
class CellCode:
    python: str  # the cell as plain Python
    track: Track | None = None
    cell_magic: str | None = None  # a cell magic other than %%track/%%time: cell left out
    written_file: tuple[str, str] | None = None  # %%writefile PATH: (PATH, text)
    notes: list[str] = field(default_factory=list)  # what was unwrapped or dropped


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit the process
        raise ValueError(message)


def _track_parser() -> _Parser:
    parser = _Parser(prog="%%track", add_help=False)
    parser.add_argument("-n", "--name")
    parser.add_argument("-e", "--experiment")
    parser.add_argument("-p", "--param", action="append", default=[])
    parser.add_argument("-t", "--tag", action="append", default=[])
    parser.add_argument("-m", "--metric", action="append", default=[])
    return parser


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{what} {item!r} is not KEY=VALUE")
        out[key.strip()] = value
    return out


def parse_track_line(line: str, cell: Cell) -> Track:
    try:
        # Options that change only what the kernel records (--quiet, --no-data...) are skipped.
        args, _unknown = _track_parser().parse_known_args(shlex.split(line))
        metrics = [m for item in args.metric for m in item.split(",") if m]
        return Track(args.name, args.experiment, _pairs(args.param, "--param"),
                     _pairs(args.tag, "--tag"), metrics)
    except ValueError as exc:
        raise ExportError(f"{cell.label}: cannot read '%%track {line}': {exc}.", code="bad_track",
                          cell=cell.index) from exc


_CELL_MAGIC = re.compile(r"^\s*%%(\w+)[ \t]*(.*)$")


def cell_code(cell: Cell) -> CellCode:
    """The cell as Python plus what its magics said; raises ExportError on a syntax error."""
    text = cell.source
    track = None
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    match = _CELL_MAGIC.match(lines[first]) if first is not None else None
    notes: list[str] = []
    if match:
        name, rest = match.group(1), match.group(2)
        body = "\n".join(lines[first + 1:])
        if name == "track":
            track = parse_track_line(rest, cell)
            text = body
        elif name in _TIMING or name == "capture":
            notes.append(f"ran without %%{name}")
            text = body
        elif name in ("writefile", "file"):
            return _writefile(rest, body, cell)
        else:
            return CellCode("", None, name, notes=[f"cell magic %%{name} cannot be exported"])
    python = _transform(text)
    try:
        tree = ast.parse(python)
    except SyntaxError as exc:
        line = (exc.lineno or 1) + (1 if track or match else 0)
        raise ExportError(f"{cell.label} has a syntax error at line {line}: {exc.msg}. "
                          "Fix the cell (it must run in the notebook) and export again.",
                          code="syntax_error", cell=cell.index) from exc
    if _top_level_await(tree):
        raise ExportError(f"{cell.label} uses 'await' outside a function, which only IPython runs; "
                          "wrap it in an async function and call asyncio.run(...) so it runs as a script.",
                          code="top_level_await", cell=cell.index)
    python, more = _unwrap_ipython_calls(python, tree)
    return CellCode(python, track, None, notes=notes + more)


def _writefile(line: str, body: str, cell: Cell) -> CellCode:
    """``%%writefile [-a] PATH`` as the Python that writes the same file."""
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    append = "-a" in words or "--append" in words
    paths = [w for w in words if not w.startswith("-")]
    if not paths:
        raise ExportError(f"{cell.label}: %%writefile needs a file name.", code="bad_magic", cell=cell.index)
    path = paths[0]
    mode = "a" if append else "w"
    python = (f"with open({path!r}, {mode!r}, encoding='utf-8') as _mlops_file:\n"
              f"    _mlops_file.write({body!r})\n")
    return CellCode(python, notes=[], written_file=(path, body))


def _top_level_await(tree: ast.Module) -> bool:
    """``await`` outside any function: IPython runs it, a script cannot."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _transform(text: str) -> str:
    if "%" not in text and "!" not in text:
        return text
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(text)


def _ipython_call(node: ast.AST) -> tuple[str, str] | None:
    """('run_line_magic', 'time') for get_ipython().run_line_magic('time', ...), etc."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    owner = node.func.value
    if not (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name)
            and owner.func.id == "get_ipython"):
        return None
    first = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else ""
    return node.func.attr, str(first)


_TIMING_OPTION = re.compile(r"\s*-(?:[nrp]\s*\S+|[tcqov])(?=\s)")


def _timed_code(node: ast.Call) -> str | None:
    """The statement a ``%time``/``%timeit`` line times, without its options; None when it
    is not plain Python (an ``{expression}`` IPython expands, say)."""
    arg = node.args[1] if len(node.args) > 1 else None
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return None
    code = arg.value
    while (match := _TIMING_OPTION.match(code)) is not None:
        code = code[match.end():]
    try:
        ast.parse(code.strip())
    except SyntaxError:
        return None
    return code.strip()


def _as_written(node: ast.Call, kind: str) -> str | None:
    """How the user wrote an IPython call IPython generated: ``%name line``, ``%%name line``,
    ``!command`` (None when its arguments are not plain strings)."""
    args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if len(args) != len(node.args) or not args:
        return None
    if kind == "run_line_magic":
        return f"%{args[0]} {args[1] if len(args) > 1 else ''}".rstrip()
    if kind == "run_cell_magic":
        return f"%%{args[0]} {args[1] if len(args) > 1 else ''}".rstrip()
    if kind in ("system", "getoutput"):
        return f"!{args[0]}"
    return None


def _unwrap_ipython_calls(python: str, tree: ast.Module) -> tuple[str, list[str]]:
    lines = python.split("\n")
    notes: list[str] = []
    edits: list[tuple[int, int, list[str]]] = []
    for stmt in ast.walk(tree):
        if not isinstance(stmt, (ast.Expr, ast.Assign)):
            continue
        call = _ipython_call(stmt.value)
        if call is None:
            continue
        kind, name = call
        indent = " " * stmt.col_offset
        start, end = stmt.lineno - 1, stmt.end_lineno
        original = "\n".join(lines[start:end]).strip()
        written = _as_written(stmt.value, kind) if isinstance(stmt.value, ast.Call) else None
        if written and isinstance(stmt, ast.Assign):
            written = " = ".join(ast.unparse(t) for t in stmt.targets) + " = " + written
        shown = written or original
        if kind == "run_line_magic" and name in _TIMING and isinstance(stmt, ast.Expr):
            wrapped = _timed_code(stmt.value)
            if wrapped is not None:
                notes.append(f"ran without %{name}: {wrapped.strip()}")
                edits.append((start, end, [indent + line for line in wrapped.split("\n")]))
                continue
        if kind == "run_line_magic" and name in _QUIET:
            notes.append(f"left out %{name} (no effect outside a notebook)")
        elif kind in ("system", "getoutput"):
            notes.append(f"left out shell line ({shown}): run it when setting up the "
                         "pipeline's environment")
        else:
            notes.append(f"left out magic ({shown}): it needs IPython")
        if isinstance(stmt, ast.Assign):
            targets = " = ".join(ast.unparse(t) for t in stmt.targets)
            edits.append((start, end, [f"{indent}{targets} = None  # was: {shown}"]))
        else:
            edits.append((start, end, [f"{indent}pass  # was: {shown}"]))
    for start, end, replacement in sorted(edits, reverse=True):
        lines[start:end] = replacement
    return "\n".join(lines), notes
