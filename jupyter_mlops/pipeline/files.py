"""Files as edges: the paths a step's code reads and writes, from string literals.

Recognised: pandas/polars ``read_*`` and ``DataFrame.to_*``, numpy ``load``/``save*``,
``joblib``/``torch`` ``load``/``dump``/``save``, ``open(path, mode)``,
``Path(...).read_*``/``write_*``/``open``, ``savefig``, and ``mlflow.log_artifact`` (a read).
A path is known when it is a string literal, a name bound to one (in the cell or in an
earlier cell), an f-string of literals, ``os.path.join``/``Path(...) / ...`` of known
parts.  A reader or writer whose path is computed at run time is counted as unknown,
so the report can say the order cannot be checked.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

_READ_METHODS = {"read_text", "read_bytes", "read_csv", "read_parquet", "read_json", "read_excel",
                 "read_pickle", "read_feather", "read_table", "read_hdf", "read_sql", "read_fwf",
                 "read_orc", "read_stata", "read_sas", "read_spss", "read_xml", "read_html"}
_WRITE_METHODS = {"to_csv", "to_parquet", "to_pickle", "to_json", "to_excel", "to_feather", "to_hdf",
                  "to_stata", "to_orc", "to_xml", "to_html", "savefig", "write_text", "write_bytes",
                  "write_csv", "write_parquet"}
# module.function -> (index of the path argument, "read" or "write")
_FUNCTIONS = {
    "load": (0, "read"), "loadtxt": (0, "read"), "genfromtxt": (0, "read"), "fromfile": (0, "read"),
    "save": (0, "write"), "savez": (0, "write"), "savez_compressed": (0, "write"), "savetxt": (0, "write"),
    "dump": (1, "write"), "log_artifact": (0, "read"), "imread": (0, "read"), "imwrite": (0, "write"),
}
_MODULES = {"np", "numpy", "joblib", "torch", "mlflow", "cv2", "plt", "pickle", "json", "pd", "pandas",
            "yaml", "cloudpickle", "dill", "imageio", "iio"}
_PATH_ARGS = ("path", "path_or_buf", "filepath_or_buffer", "fname", "file", "filename", "local_path", "f")


@dataclass
class FileAccess:
    reads: list[str] = field(default_factory=list)  # normalised relative or absolute paths, in order
    writes: list[str] = field(default_factory=list)
    unknown_reads: list[int] = field(default_factory=list)  # line numbers
    unknown_writes: list[int] = field(default_factory=list)


def _norm(path: str) -> str:
    return os.path.normpath(os.path.expanduser(path))


def string_constants(tree: ast.Module) -> dict[str, str]:
    """Top-level ``name = "text"`` (and ``Path("text")``) assignments of a cell."""
    found: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = _path_value(stmt.value, found)
            if value is not None:
                found[stmt.targets[0].id] = value
            else:
                found.pop(stmt.targets[0].id, None)
    return found


def _path_value(node: ast.AST | None, known: Mapping[str, str]) -> str | None:
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            text = _path_value(value.value if isinstance(value, ast.FormattedValue) else value, known)
            if text is None:
                return None
            parts.append(text)
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
        left, right = _path_value(node.left, known), _path_value(node.right, known)
        if left is None or right is None:
            return None
        return os.path.join(left, right) if isinstance(node.op, ast.Div) else left + right
    if isinstance(node, ast.Call):
        name = _func_name(node.func)
        args = [_path_value(a, known) for a in node.args]
        if name in ("Path", "PurePath", "PosixPath") and args and None not in args:
            return os.path.join(*args)  # type: ignore[arg-type]
        if name == "join" and args and None not in args and _owner(node.func) in ("path", "os.path"):
            return os.path.join(*args)  # type: ignore[arg-type]
    return None


def _func_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _owner(func: ast.AST) -> str | None:
    if isinstance(func, ast.Attribute):
        try:
            return ast.unparse(func.value)
        except Exception:  # noqa: BLE001 - an odd node: no owner
            return None
    return None


def _argument(call: ast.Call, index: int) -> ast.AST | None:
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    for keyword in call.keywords:
        if keyword.arg in _PATH_ARGS:
            return keyword.value
    return None


def _open_mode(call: ast.Call) -> str:
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return "write" if set(mode.value) & set("wax+") else "read"
    return "read" if mode is None else "unknown"


def file_access(tree: ast.Module, known: Mapping[str, str] | None = None) -> FileAccess:
    """The files a cell reads and writes; ``known`` holds string names from earlier cells."""
    names = dict(known or {})
    names.update(string_constants(tree))
    access = FileAccess()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        kind, target = _classify(node)
        if kind is None:
            continue
        path = _path_value(target, names) if target is not None else None
        if kind == "unknown" or path is None:
            if kind in ("read", "unknown"):
                access.unknown_reads.append(node.lineno)
            if kind in ("write", "unknown"):
                access.unknown_writes.append(node.lineno)
            continue
        if _ignored(path):
            continue
        (access.reads if kind == "read" else access.writes).append(_norm(path))
    return access


def _ignored(path: str) -> bool:
    """Not a file: URLs, streams, an empty string."""
    return not path or "://" in path or path in ("-", "/dev/null")


def _classify(call: ast.Call) -> tuple[str | None, ast.AST | None]:
    func = call.func
    name = _func_name(func)
    if name is None:
        return None, None
    if isinstance(func, ast.Name) and name == "open":
        return _open_mode(call), _argument(call, 0)
    if not isinstance(func, ast.Attribute):
        return None, None
    owner = func.value
    # Path("x").read_text() / .write_text() / .open("w")
    if isinstance(owner, ast.Call) and _func_name(owner.func) in ("Path", "PurePath", "PosixPath"):
        if name in ("read_text", "read_bytes"):
            return "read", owner
        if name in ("write_text", "write_bytes"):
            return "write", owner
        if name == "open":
            return _open_mode(_shift(call)), owner
        if name in ("mkdir", "exists", "is_file", "is_dir", "iterdir", "glob", "resolve", "unlink"):
            return None, None
    root = owner.id if isinstance(owner, ast.Name) else None
    if name.startswith("read_") and (name in _READ_METHODS or root in ("pd", "pandas", "pl", "polars")):
        return "read", _argument(call, 0)
    if name in _WRITE_METHODS:
        return "write", _argument(call, 0)
    if root in _MODULES and name in _FUNCTIONS:
        index, kind = _FUNCTIONS[name]
        if root in ("pickle", "json", "yaml", "cloudpickle", "dill") and name in ("load", "dump"):
            return None, None  # they take an open file: open() names the path
        if root == "torch" and name == "save":
            index = 1
        return kind, _argument(call, index)
    return None, None


def _shift(call: ast.Call) -> ast.Call:
    """``Path(p).open("w")``: the mode is the first argument, as open()'s second."""
    return ast.Call(func=call.func, args=[ast.Constant(None), *call.args], keywords=call.keywords)
