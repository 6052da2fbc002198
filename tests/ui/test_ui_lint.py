"""The sidebar's code passes its linters (labextension: eslint with @jupyter/eslint-plugin
and typescript-eslint, prettier), run from pytest so CI checks them with everything else."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LABEXTENSION = Path(__file__).resolve().parents[2] / "labextension"


@pytest.mark.slow
def test_lint_check_is_clean():
    npm = shutil.which("npm")
    assert npm, "npm is needed to lint the sidebar (Node 20 or newer)"
    if not (LABEXTENSION / "node_modules" / ".bin" / "eslint").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=LABEXTENSION, check=True, timeout=600)
    done = subprocess.run(
        [npm, "run", "lint:check"], cwd=LABEXTENSION, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, (
        "`npm run lint:check` in labextension/ failed; `npm run lint` fixes the formatting "
        "and what eslint can fix by itself:\n" + done.stdout + done.stderr
    )
