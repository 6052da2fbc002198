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


def test_frontend_and_server_versions_are_one_release():
    """The version handshake reports CLIENT_VERSION: it must be the package's own version."""
    import json
    import re

    from jupyter_mlops._version import __version__

    package = json.loads((LABEXTENSION / "package.json").read_text())
    client = re.search(r"CLIENT_VERSION = '([^']+)'", (LABEXTENSION / "src" / "api.ts").read_text())
    assert client, "labextension/src/api.ts must define CLIENT_VERSION"
    assert package["version"] == client.group(1) == __version__, (
        f"bump them together: package.json {package['version']}, api.ts {client.group(1)}, "
        f"jupyter_mlops/_version.py {__version__}"
    )
