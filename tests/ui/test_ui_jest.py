"""The sidebar's Jest tests (labextension/test: the frontend model), run from pytest so
CI runs them with everything else."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

LABEXTENSION = Path(__file__).resolve().parents[2] / "labextension"


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
