"""The Python environment of this process, captured once and addressed by content."""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import sys

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
