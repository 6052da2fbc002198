"""The layers stay apart and imports stay lazy (DESIGN.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "jupyter_mlops"
FORBIDDEN = {
    "core": ("IPython", "ipykernel", "tornado", "jupyter_server", "jupyter_mlops.kernel", "jupyter_mlops.server"),
    "kernel": ("tornado", "jupyter_server", "jupyter_mlops.server"),
    "server": ("IPython", "ipykernel", "jupyter_mlops.kernel"),
    "pipeline": ("tornado", "jupyter_server", "jupyter_mlops.kernel", "jupyter_mlops.server"),
}


def imported_modules(path: Path, package: str) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join(parts + ([node.module] if node.module else [])))
            elif node.module:
                found.add(node.module)
    return found


def test_layers_import_only_downwards():
    problems = []
    for layer, forbidden in FORBIDDEN.items():
        for path in (PACKAGE / layer).rglob("*.py"):
            package = ".".join(("jupyter_mlops", *path.relative_to(PACKAGE).parent.parts))
            for module in imported_modules(path, package):
                if module.startswith(forbidden):
                    problems.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert not problems, problems


def _fresh_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_load_ext_is_fast_and_imports_neither_mlflow_nor_tornado():
    out = _fresh_python(
        "import sys, time\n"
        "from IPython.testing.globalipapp import start_ipython\n"
        "ip = start_ipython()\n"
        "t = time.perf_counter(); ip.run_line_magic('load_ext', 'jupyter_mlops'); took = time.perf_counter() - t\n"
        "print(took, 'mlflow' in sys.modules, 'tornado' in sys.modules)\n"
    )
    took, mlflow_loaded, tornado_loaded = out.split()
    assert mlflow_loaded == "False" and tornado_loaded == "False"
    print(f"%load_ext jupyter_mlops took {float(took) * 1000:.0f} ms")


def test_core_imports_no_kernel_or_server_code():
    out = _fresh_python(
        "import sys, pkgutil, importlib, jupyter_mlops.core as core\n"
        "for m in pkgutil.iter_modules(core.__path__):\n"
        "    importlib.import_module('jupyter_mlops.core.' + m.name)\n"
        "print(sorted(n for n in ('IPython', 'tornado', 'jupyter_server') if n in sys.modules))\n"
    )
    assert out.strip() == "[]"


def test_tracked_cell_does_not_import_mlflow(tmp_path):
    """The critical path journals; only the drainer process talks to MLflow."""
    out = subprocess.run(
        [sys.executable, "-c",
         "import sys\nfrom IPython.testing.globalipapp import start_ipython\nip = start_ipython()\n"
         "ip.run_line_magic('load_ext', 'jupyter_mlops')\n"
         "ip.run_cell('%%track -q\\nx = 1', store_history=True)\nprint('mlflow' in sys.modules)\n"],
        capture_output=True, text=True, check=True, cwd=tmp_path, timeout=300,
        env={**__import__("os").environ, "JUPYTER_MLOPS_ROOT": str(tmp_path), "JUPYTER_MLOPS_DRAINER_IDLE": "1",
             "JUPYTER_MLOPS_DRAINER": "process"},
    ).stdout
    assert out.strip().endswith("False")
