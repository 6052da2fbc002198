"""pipeline/ imports only core and mlflow; exported code runs without the kernel layer,
IPython, tornado or jupyter_server installed."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_mlops.pipeline import export_notebook

from .conftest import EXAMPLE, REPO, subprocess_env

FORBIDDEN = ("tornado", "jupyter_server", "jupyter_mlops.kernel", "jupyter_mlops.server", "IPython")
ALLOWED = {"IPython.core.inputtransformer2"}  # turns magics into Python; runs nothing


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                parts = path.relative_to(REPO).with_suffix("").parts[:-node.level]
                found.add(".".join([*parts, node.module]))
            else:
                found.add(node.module)
    return found


def test_pipeline_imports_only_core_and_mlflow():
    bad = {}
    for path in (REPO / "jupyter_mlops" / "pipeline").rglob("*.py"):
        wrong = {m for m in imported_modules(path)
                 if m.startswith(FORBIDDEN) and m not in ALLOWED}
        if wrong:
            bad[str(path.relative_to(REPO))] = sorted(wrong)
    assert bad == {}


BLOCKED_RUN = """
import runpy, sys
for name in ("IPython", "tornado", "jupyter_server", "jupyter_mlops.kernel", "jupyter_mlops.server", "ipykernel"):
    sys.modules[name] = None  # importing any of them now fails
sys.argv = [sys.argv[1], "--json", "-q"]
runpy.run_module(sys.argv[0], run_name="__main__")
"""


@pytest.mark.slow
def test_exported_package_runs_without_the_kernel_layer(tmp_path, tracking_uri):
    report = export_notebook(EXAMPLE, "python", tmp_path / "out", observe=False)
    done = subprocess.run([sys.executable, "-c", BLOCKED_RUN, report.name], cwd=tmp_path / "out",
                          env=subprocess_env(MLFLOW_TRACKING_URI=tracking_uri), capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["metrics"]["train_logreg"]["accuracy"] > 0.9


EXPORT_THEN_PREIMPORT = """
import sys
from jupyter_mlops.pipeline import export_notebook
from jupyter_mlops.pipeline.runner.spec import load_spec
from jupyter_mlops.pipeline.runner.workdir import preimport
report = export_notebook(sys.argv[1], "python", sys.argv[2], observe=False)
preimport(load_spec(sys.argv[2] + "/" + report.name))
print(sorted(m for m in sys.modules if m == "mlflow" or m.startswith("mlflow.")))
"""


def test_export_and_preimport_do_not_import_mlflow(tmp_path):
    """Exporting (and a step process before its first run) need not pay a second for MLflow."""
    done = subprocess.run([sys.executable, "-c", EXPORT_THEN_PREIMPORT, str(EXAMPLE), str(tmp_path / "out")],
                          env=subprocess_env(), capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
