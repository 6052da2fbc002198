"""The Python environment of this process, captured once and addressed by content."""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
import sys
from collections.abc import Mapping

import xxhash


@functools.lru_cache(maxsize=1)
def snapshot() -> dict:
    """``{"hash", "python", "requirements"}``: every installed distribution, pinned."""
    pins = set()
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            pins.add(f"{name}=={dist.version}")
    python = platform.python_version()
    text = f"# python {python} ({sys.implementation.name}, {platform.machine()})\n" + "\n".join(
        sorted(pins, key=str.lower)) + "\n"
    return {"hash": xxhash.xxh3_128_hexdigest(text.encode()), "python": python, "requirements": text}


_modules: tuple[tuple, Mapping[str, list[str]]] | None = None


def module_distributions() -> Mapping[str, list[str]]:
    """Top-level module -> the distributions providing it (``xgboost`` -> ``["xgboost-cpu"]``).

    Scanning every installed package takes most of a second, so the answer is kept until a
    folder on ``sys.path`` changes (``pip install`` adds a ``*.dist-info`` there)."""
    global _modules
    stamp = tuple((entry, _mtime(entry)) for entry in sys.path)
    if _modules is None or _modules[0] != stamp:
        _modules = (stamp, importlib.metadata.packages_distributions())
    return _modules[1]


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path or ".").st_mtime_ns
    except OSError:
        return None
