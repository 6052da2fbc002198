"""Local modules: ``.py`` files and packages beside the notebook that its cells import.

They travel with the export (copied into the package, embedded in kfp components) so
every target imports them, and ``from helpers import *`` of one is followed: the names
it binds are known, so later steps get them and no false warning says no cell defines
them.  A module written by a ``%%writefile`` cell counts as local too.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILES = 200  # a local package larger than this is not copied (a vendored library)


@dataclass
class LocalModules:
    folder: Path  # the notebook's folder
    found: dict[str, Path] = field(default_factory=dict)  # top-level module name -> file or package dir
    written: dict[str, str] = field(default_factory=dict)  # module -> source from %%writefile cells
    _names: dict[str, set[str]] = field(default_factory=dict)

    def resolve(self, module: str) -> Path | None:
        """The file or package of a top-level local module, or None."""
        top = module.split(".")[0]
        if top in self.found:
            return self.found[top]
        for candidate in (self.folder / f"{top}.py", self.folder / top):
            if candidate.is_file() or (candidate.is_dir() and any(candidate.glob("*.py"))):
                self.found[top] = candidate
                return candidate
        return None

    def source(self, module: str) -> str | None:
        if module in self.written:
            return self.written[module]
        path = self.resolve(module)
        if path is None:
            return None
        parts = module.split(".")[1:]
        target = path
        for part in parts:
            target = target / part
        for candidate in (target.with_suffix(".py"), target / "__init__.py", target):
            if candidate.is_file() and candidate.suffix == ".py":
                try:
                    return candidate.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    return None
        return None

    def star_names(self, module: str) -> set[str]:
        """What ``from module import *`` binds: ``__all__``, else every public top-level name
        (its own imports included, as Python does), following its own star imports."""
        if module in self._names:
            return self._names[module]
        self._names[module] = set()  # a cycle of star imports ends here
        source = self.source(module)
        if source is None:
            self._names[module] = _installed_star_names(module)
            return self._names[module]
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return set()
        names: set[str] = set()
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                    for t in stmt.targets):
                try:
                    listed = ast.literal_eval(stmt.value)
                    self._names[module] = {str(n) for n in listed}
                    return self._names[module]
                except ValueError:
                    pass
            names |= _top_level_binds(stmt, self)
        self._names[module] = {n for n in names if not n.startswith("_")}
        return self._names[module]

    def star_map(self, tree: ast.Module) -> dict[str, set[str]]:
        """module -> names for each local ``from module import *`` in ``tree``."""
        out: dict[str, set[str]] = {}
        for node in ast.walk(tree):  # local modules, and installed ones (`from math import *`)
            if isinstance(node, ast.ImportFrom) and node.module and not node.level \
                    and any(a.name == "*" for a in node.names):
                names = self.star_names(node.module)
                if names:
                    out[node.module] = names
        return out

    def imported(self, tree: ast.Module) -> None:
        """Record the local modules ``tree`` imports (and theirs, recursively)."""
        todo = [tree]
        seen: set[str] = set()
        while todo:
            for node in ast.walk(todo.pop()):
                modules = []
                if isinstance(node, ast.Import):
                    modules = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules = [node.module]
                for module in modules:
                    top = module.split(".")[0]
                    if top in seen or (self.resolve(top) is None and top not in self.written):
                        continue
                    seen.add(top)
                    source = self.source(top)
                    if source:
                        try:
                            todo.append(ast.parse(source))
                        except SyntaxError:
                            pass

    def files(self) -> dict[str, Path]:
        """Relative path -> file, for every local module found (packages: their .py files)."""
        out: dict[str, Path] = {}
        for top, path in sorted(self.found.items()):
            if top in self.written:
                continue  # a step writes it
            if path.is_file():
                out[path.name] = path
                continue
            files = sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
            if len(files) <= MAX_FILES:
                for file in files:
                    out[str(file.relative_to(self.folder))] = file
        return out

    def copy_to(self, destination: Path) -> list[str]:
        copied = []
        for relative, file in self.files().items():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
            copied.append(relative)
        return copied

    def sources(self) -> dict[str, str]:
        """Relative path -> text, for embedding (kfp components)."""
        out = {}
        for relative, file in self.files().items():
            try:
                out[relative] = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        return out


def _installed_star_names(module: str) -> set[str]:
    """What ``from module import *`` binds for an installed module (imported here, once:
    star imports of libraries are rare, and only the module itself knows its names)."""
    import importlib

    try:
        loaded = importlib.import_module(module)
    except Exception:  # noqa: BLE001 - not importable here: its names stay unknown
        return set()
    listed = getattr(loaded, "__all__", None)
    if listed is not None:
        return {str(n) for n in listed}
    return {n for n in dir(loaded) if not n.startswith("_")}


def _top_level_binds(stmt: ast.stmt, modules: LocalModules) -> set[str]:
    if isinstance(stmt, ast.Import):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    if isinstance(stmt, ast.ImportFrom):
        names = {a.asname or a.name for a in stmt.names if a.name != "*"}
        if stmt.module and not stmt.level and any(a.name == "*" for a in stmt.names):
            names |= modules.star_names(stmt.module)
        return names
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    found: set[str] = set()
    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            found |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For)):
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                found |= _top_level_binds(child, modules)
        for handler in getattr(stmt, "handlers", []):
            for child in handler.body:
                found |= _top_level_binds(child, modules)
    return found
