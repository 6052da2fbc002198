"""The sidebar's Jest tests (labextension/test: the frontend model), run from pytest so
CI runs them with everything else."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LABEXTENSION = Path(__file__).resolve().parents[2] / "labextension"


@pytest.mark.slow
def test_jest_frontend_model():
    npm = shutil.which("npm")
    assert npm, "npm is needed for the sidebar's tests (Node 20 or newer)"
    if not (LABEXTENSION / "node_modules" / ".bin" / "jest").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=LABEXTENSION, check=True, timeout=600)
    done = subprocess.run(
        [npm, "test", "--", "--ci"], cwd=LABEXTENSION, capture_output=True, text=True, timeout=600
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "failed" not in report.split("Tests:")[-1].split("\n")[0], report


def test_frontend_and_server_versions_are_one_release():
    """One version everywhere: labextension/package.json is the source; the sidebar's
    CLIENT_VERSION (sent in the handshake), the Python package and its metadata read it."""
    import json
    from importlib.metadata import version

    from jupyter_mlops._version import __version__

    package = json.loads((LABEXTENSION / "package.json").read_text())
    api = (LABEXTENSION / "src" / "api.ts").read_text()
    assert "CLIENT_VERSION: string = packageJson.version" in api, "api.ts must take CLIENT_VERSION from package.json"
    assert package["version"] == __version__ == version("jupyter-mlops")
