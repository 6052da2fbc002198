"""The virtualenvs of the real Airflow and kfp that the pipeline tests drive (their pins
conflict with mlflow's, so they never go into the main environment).

Each is built once under the test cache and reused while its requirements stay the same.
``.ci/setup`` builds both ahead of the tests (``python tests/target_venvs.py``), so a
test run spends no time installing; a test that finds one missing builds it.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CACHE = Path(os.environ.get("JUPYTER_MLOPS_TEST_CACHE", Path.home() / ".cache" / "jupyter-mlops-tests"))
AIRFLOW_REQUIREMENT = "apache-airflow>=3.1,<4"
KFP_REQUIREMENT = "kfp>=2.7,<3"
# What the kfp components import, at this environment's versions (the exported pins), so
# kfp's local runner finds them installed instead of fetching them per component.
KFP_COMPONENT_LIBRARIES = ("pandas", "numpy", "scikit-learn", "pyarrow", "joblib", "mlflow-skinny", "cloudpickle",
                           "matplotlib", "pandera", "scipy")


def cached_venv(name: str, requirements: list[str]) -> Path:
    """A virtualenv under the test cache with ``requirements``; built once, reused after."""
    folder = CACHE / name
    marker = folder / ".requirements"
    wanted = "\n".join(requirements)
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = folder / "bin" / "python"
        if marker.exists() and marker.read_text() == wanted and python.exists():
            return python
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run(pip + ["uv"], check=True)
        # uv resolves Airflow's large dependency tree in seconds where pip takes minutes.
        subprocess.run([str(folder / "bin" / "uv"), "pip", "install", "-q", "--python", str(python),
                        *requirements], check=True)
        marker.write_text(wanted)
        return python


def airflow_python() -> Path:
    return cached_venv("airflow-venv", [AIRFLOW_REQUIREMENT])


def kfp_python() -> Path:
    from importlib import metadata

    pins = [f"{d}=={metadata.version(d)}" for d in KFP_COMPONENT_LIBRARIES]
    return cached_venv("kfp-venv", [KFP_REQUIREMENT, "pyyaml", *pins])


if __name__ == "__main__":
    with ThreadPoolExecutor(2) as pool:
        for built in pool.map(lambda build: build(), (airflow_python, kfp_python)):
            print(f"setup: {built.parent.parent.name} ready ({built})")
