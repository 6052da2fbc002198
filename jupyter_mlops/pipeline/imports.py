"""The prelude every step runs first: the step cells' top-level imports, and submodules the
cells reach through their package (``matplotlib.pyplot`` after ``import matplotlib``).

In the notebook one kernel held every module, so a step could use a module another cell
imported, or a submodule a library imported as a side effect (pandas' ``.hist()`` imports
``matplotlib.pyplot``).  Each Airflow task and kfp component is a fresh process, and the
python runner runs steps side by side, so modules are imported up front, never passed.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from .localmods import LocalModules


def import_binds(tree: ast.Module, local: LocalModules | None = None) -> set[str]:
    """Names the top-level imports of ``tree`` bind (star imports too, given ``local``)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names if a.name != "*")
            if local is not None and node.module and not node.level and any(a.name == "*" for a in node.names):
                names |= local.star_names(node.module)
    return names


def setup_only(tree: ast.Module, usage) -> bool:
    """Imports plus calls on imported modules that set things up (``np.random.seed(0)``,
    ``warnings.filterwarnings(...)``, ``matplotlib.use("Agg")``, ``pd.set_option(...)``):
    such a cell runs before every step, like the imports, rather than as a step."""
    bound = import_binds(tree)
    if not bound or usage.binds - bound or usage.mutates - bound:
        return False
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            return False
        root = node.value.func
        if isinstance(root, ast.Attribute) and root.attr.startswith(("log_", "start_run", "save", "dump", "to_")):
            return False  # logs or writes: work, not setup
        while isinstance(root, ast.Attribute):
            root = root.value
        if not (isinstance(root, ast.Name) and root.id in bound):
            return False
        if any(isinstance(n, ast.Name) and n.id not in bound and isinstance(n.ctx, ast.Load)
               for n in ast.walk(node)):
            return False  # it reads notebook data: a step
    return True


def imported_modules(tree: ast.Module) -> set[str]:
    """Top-level module names ``tree`` imports anywhere."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def definitions(code: str) -> set[str]:
    """Names a cell binds with import, def or class: code, not results."""
    names = import_binds(ast.parse(code))
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def _module_aliases(trees: list[ast.Module]) -> dict[str, str]:
    """alias -> module for ``import a.b as x`` / ``import a`` anywhere at the top level."""
    out: dict[str, str] = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        out[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        out[top] = top
    return out


def _is_submodule(module: str, attr: str, found: dict[str, list[str] | None]) -> bool:
    """True when ``module.attr`` is a module file of an installed package (no import done).
    ``found`` memoises each package's folders for one :func:`prelude` call: not longer, as
    a package installed meanwhile (``%pip install`` in the server's or kernel's process)
    changes the answer."""
    top = module.split(".")[0]
    if top not in found:
        try:
            spec = importlib.util.find_spec(top)
            locations = list(spec.submodule_search_locations or []) if spec else None
        except (ImportError, ValueError):
            locations = None
        found[top] = locations
    for base in found[top] or []:
        folder = Path(base).joinpath(*module.split(".")[1:])
        if (folder / f"{attr}.py").is_file() or (folder / attr / "__init__.py").is_file():
            return True
    return False


def prelude(step_trees: list[ast.Module], shared_trees: list[ast.Module],
            local: LocalModules | None) -> tuple[str, set[str]]:
    """(Python source, names its imports bind)."""
    lines: list[str] = []
    seen: set[str] = set()
    names: set[str] = set()
    for tree in step_trees:
        for node in tree.body:
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(node, ast.ImportFrom) and (node.module == "__future__" or node.level):
                continue
            module = node.names[0].name if isinstance(node, ast.Import) else node.module or ""
            if local is not None and module.split(".")[0] in local.written:
                continue  # a step writes this module: import it where the cell does
            text = ast.unparse(node)
            if text not in seen:
                seen.add(text)
                lines.append(text)
                names |= import_binds(ast.Module(body=[node], type_ignores=[]))
                if isinstance(node, ast.ImportFrom) and local is not None and any(a.name == "*" for a in node.names):
                    names |= local.star_names(module)
    aliases = _module_aliases(step_trees + shared_trees)
    submodules: list[str] = []
    package_folders: dict[str, list[str] | None] = {}
    for tree in step_trees + shared_trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                module = aliases[node.value.id]
                candidate = f"{module}.{node.attr}"
                if candidate not in submodules and (local is None or local.resolve(module) is None) \
                        and _is_submodule(module, node.attr, package_folders):
                    submodules.append(candidate)
    parts = []
    if lines:
        parts.append("# Imports of the step cells, run before every step (modules never pass between steps).\n"
                     + "\n".join(lines) + "\n")
    if submodules:
        parts.append("# Submodules the cells reach through their package (another library may have imported\n"
                     "# them in the notebook): imported here so a fresh process has them too.\n"
                     "import importlib as _mlops_importlib\n\n"
                     f"for _mlops_module in {submodules!r}:\n"
                     "    try:\n"
                     "        _mlops_importlib.import_module(_mlops_module)\n"
                     "    except Exception:  # noqa: BLE001 - the step reports what it lacks\n"
                     "        pass\n")
    return "\n".join(parts), names
