"""The package is installed the way a user gets it: both extensions enabled and OK."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def listing(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, timeout=120)
    return ANSI.sub("", done.stdout + done.stderr)


@pytest.mark.slow
def test_labextension_is_enabled_and_ok():
    assert re.search(r"jupyter-mlops v\S+ enabled OK", listing("labextension", "list")), listing("labextension", "list")


@pytest.mark.slow
def test_server_extension_is_enabled_and_ok():
    out = listing("server", "extension", "list")
    assert re.search(r"jupyter_mlops enabled", out) and re.search(r"jupyter_mlops \S+ OK", out), out
