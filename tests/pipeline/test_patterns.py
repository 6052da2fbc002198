"""Pattern notebooks (see patterns.py) on every target, run the README way: the pipeline
prints what the notebook printed.

Each notebook is run once with nbclient in a copy of its folder (the expected lines);
each target gets a pristine copy of its own, so a pipeline never leans on files the
notebook's own run left behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from jupyter_mlops.core import names
from jupyter_mlops.pipeline import export_notebook

from .conftest import KFP_PREBUILT_IMAGE, subprocess_env
from .patterns import PATTERNS, notebook_output

pytestmark = pytest.mark.slow
_EXPECTED: dict[str, list[str]] = {}


def expected_lines(name: str, tmp_path_factory) -> list[str]:
    """What the notebook prints, run once per test session: the file beside the xdist
    workers' temp folders lets one worker reuse what another ran."""
    if name not in _EXPECTED:
        run_dir = tmp_path_factory.getbasetemp()
        shared = (run_dir.parent if "PYTEST_XDIST_WORKER" in os.environ else run_dir) / "pattern-output"
        shared.mkdir(exist_ok=True)
        with open(shared / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            saved = shared / f"{name}.json"
            if not saved.exists():
                folder = tmp_path_factory.mktemp(f"nbrun-{name}")
                notebook = PATTERNS[name](folder)
                env = {"MPLBACKEND": "Agg", "JUPYTER_MLOPS_ROOT": str(folder),
                       "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}"}
                saved.write_text(json.dumps(notebook_output(notebook, env)))
            _EXPECTED[name] = json.loads(saved.read_text())
        assert _EXPECTED[name], f"{name} printed nothing"
    return _EXPECTED[name]


def pristine(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    return PATTERNS[name](folder)


def printed_by_steps(tracking_uri: str, experiment: str, folder: Path) -> str:
    """Everything the pipeline's step runs logged as stdout."""
    client = MlflowClient(tracking_uri)
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment}"
    runs = client.search_runs([found.experiment_id],
                              filter_string=f"tags.`{names.KIND}` = '{names.KIND_PIPELINE_STEP}'")
    assert runs and all(r.info.status == "FINISHED" for r in runs), [(r.info.run_name, r.info.status) for r in runs]
    text = []
    for run in runs:
        try:
            path = client.download_artifacts(run.info.run_id, names.ARTIFACT_STDOUT, str(folder))
        except Exception:  # noqa: BLE001 - a step that printed nothing has no stdout artifact
            continue
        text.append(Path(path).read_text(encoding="utf-8"))
    return "\n".join(text)


def assert_reproduced(expected: list[str], printed: str) -> None:
    missing = [line for line in expected if line not in printed]
    assert not missing, f"not printed by the pipeline: {missing}\n--- printed:\n{printed[-3000:]}"


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_python_target(name, tmp_path, tracking_uri, tmp_path_factory):
    expected = expected_lines(name, tmp_path_factory)
    notebook = pristine(name, tmp_path)
    out = tmp_path / "out"
    report = export_notebook(notebook, "python", out, observe=False)
    assert not [w for w in report.warnings if w.kind in ("hidden_state", "file")], report.warnings
    done = subprocess.run([sys.executable, "-m", report.name], cwd=out, capture_output=True, text=True,
                          timeout=300, env=subprocess_env(MLFLOW_TRACKING_URI=tracking_uri, MPLBACKEND="Agg"))
    assert done.returncode == 0, done.stderr[-4000:]
    assert_reproduced(expected, printed_by_steps(tracking_uri, report.name, tmp_path / "dl"))


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_airflow_target(name, tmp_path, tracking_uri, dags_test, tmp_path_factory):
    expected = expected_lines(name, tmp_path_factory)
    notebook = pristine(name, tmp_path)
    out = dags_test.folder / tmp_path.name
    report = export_notebook(notebook, "airflow", out, observe=False)
    returncode, printed = dags_test.run(report.name, out / f"{report.name}_dag.py",
                                        {"MLFLOW_TRACKING_URI": tracking_uri, "JUPYTER_MLOPS_ROOT": tmp_path})
    assert returncode == 0, printed[-6000:]
    assert_reproduced(expected, printed_by_steps(tracking_uri, report.name, tmp_path / "dl"))


KFP_LOCAL_RUN = """
import importlib.util, sys
from kfp import local
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=sys.argv[2])
spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.pipeline()
"""


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_kfp_local_target(name, tmp_path, kfp_python, tmp_path_factory):
    expected = expected_lines(name, tmp_path_factory)
    notebook = pristine(name, tmp_path)
    out = tmp_path / "kfp"
    report = export_notebook(notebook, "kfp", out, observe=False)
    env = subprocess_env(MPLBACKEND="Agg", **KFP_PREBUILT_IMAGE)
    env.pop("MLFLOW_TRACKING_URI", None)
    env["PATH"] = f"{kfp_python.parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run([str(kfp_python), "-c", KFP_LOCAL_RUN, str(out / f"{report.name}_kfp.py"),
                           str(tmp_path / "root")], capture_output=True, text=True, timeout=900, env=env,
                          check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert_reproduced(expected, done.stdout + done.stderr)


def test_pattern_notebooks_write_json(tmp_path):
    """The builders write valid notebooks (a guard for the slow tests above)."""
    for name, build in PATTERNS.items():
        folder = tmp_path / name
        folder.mkdir()
        assert json.loads(build(folder).read_text())["nbformat"] == 4
