"""The Airflow tests start step processes with warm_python.py: what a step sees and what its
caller gets back must be what the real interpreter gives."""

import subprocess
import sys

from .conftest import subprocess_env

MAIN = """
import os, subprocess, sys, threading
from concurrent.futures import ThreadPoolExecutor
print("argv", sys.argv[1:], "cwd", os.getcwd(), "env", os.environ.get("STEP_SETTING"))
print("path", sys.path[0] == os.getcwd(), [p for p in sys.path if p.endswith("extra-path")])
print("main", __name__, "child exit", subprocess.run([sys.executable, "-c", "raise SystemExit(4)"]).returncode)
print("to stderr", file=sys.stderr)
ThreadPoolExecutor(2).submit(lambda: print("pool ran at exit"))
threading.Thread(target=lambda: print("thread joined")).start()
sys.exit(int(sys.argv[1]))
"""


def test_a_step_process_from_the_warm_python_is_as_from_python(tmp_path, warm_python):
    (tmp_path / "step_pkg").mkdir()
    (tmp_path / "step_pkg" / "__main__.py").write_text(MAIN)
    env = subprocess_env(STEP_SETTING="from the task", PYTHONPATH=str(tmp_path / "extra-path"))
    for status in ("0", "3"):
        real, warm = (subprocess.run([str(python), "-m", "step_pkg", status], cwd=tmp_path, env=env,
                                     capture_output=True, text=True, timeout=120)
                      for python in (sys.executable, warm_python))
        assert (warm.returncode, warm.stdout, warm.stderr) == (real.returncode, real.stdout, real.stderr)
        assert real.returncode == int(status) and "pool ran at exit" in real.stdout
    assert subprocess.run([str(warm_python), "-c", "print(2 + 2)"], capture_output=True, text=True).stdout == "4\n"
