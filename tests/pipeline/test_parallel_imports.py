"""Independent steps import submodules of one package that import each other
(sklearn.feature_extraction and sklearn.feature_extraction.text) on parallel threads.

Only a process's first import is at risk, so each of 20 attempts is a fresh process that
does what the runner does before and while it runs steps side by side: ``preimport``,
then each step's code (``step.execute``) on its own thread, started together.  The whole
runner, MLflow runs included, runs these steps in test_patterns.py."""

import subprocess
import sys

import pytest

from jupyter_mlops.pipeline import export_notebook
from jupyter_mlops.pipeline.runner.spec import load_spec

from .conftest import subprocess_env
from .patterns import sklearn_submodules_in_parallel

PARALLEL_STEPS = """
import sys, threading
from jupyter_mlops.pipeline.runner.spec import load_spec
from jupyter_mlops.pipeline.runner.step import execute
from jupyter_mlops.pipeline.runner.workdir import entered, preimport

spec = load_spec(sys.argv[1])
barrier = threading.Barrier(len(spec.steps))
errors = []

def run(step):
    barrier.wait()  # both start their imports at the same moment
    try:
        execute(spec, step, {}, {})
    except BaseException as exc:
        errors.append(repr(exc))

with entered(spec):
    preimport(spec)
    threads = [threading.Thread(target=run, args=(s,)) for s in spec.steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
print("alive" if any(t.is_alive() for t in threads) else "errors" if errors else "ok", errors)
"""


@pytest.mark.slow
def test_twenty_fresh_processes_never_deadlock(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    report = export_notebook(sklearn_submodules_in_parallel(folder), "python", tmp_path / "out", observe=False)
    package = tmp_path / "out" / report.name
    assert [s.depends_on for s in load_spec(package).steps] == [[], []]  # independent: side by side
    for attempt in range(20):
        done = subprocess.run([sys.executable, "-c", PARALLEL_STEPS, str(package)], capture_output=True, text=True,
                              timeout=600, env=subprocess_env())
        assert done.returncode == 0, (attempt, done.stderr[-3000:])
        assert done.stdout.strip().splitlines()[-1] == "ok []", (attempt, done.stdout, done.stderr[-2000:])
