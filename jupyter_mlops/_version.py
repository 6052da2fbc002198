"""The release number, kept in one place: ``labextension/package.json``.

pyproject.toml takes the package's version from the same file (hatch-nodejs-version), and
the sidebar reads it at build time, so the Python package, the server extension and the
sidebar always report one release.
"""

import json
from pathlib import Path


def _read() -> str:
    here = Path(__file__).resolve().parent
    # a source checkout, then the built sidebar inside an installed package
    for manifest in (here.parent / "labextension" / "package.json", here / "labextension" / "package.json"):
        if manifest.is_file():
            return json.loads(manifest.read_text(encoding="utf-8"))["version"]
    from importlib.metadata import version

    return version("jupyter-mlops")


__version__ = _read()
