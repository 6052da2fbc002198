"""Per-step stdout/stderr while steps run side by side on threads.

``sys.stdout`` is process-wide, so while any step runs it is replaced by a router that
sends each write to the buffer of the step running on the writing thread (other threads
write through).  What a step printed is logged to its run and echoed to stderr with
the step's name, which keeps stdout clean for ``--json``.
"""

from __future__ import annotations

import io
import sys
import threading
from contextlib import contextmanager

MAX_CHARS = 1_000_000
_local = threading.local()
_lock = threading.Lock()
_users = 0
_originals: dict[str, object] = {}


class _Router(io.TextIOBase):
    def __init__(self, name: str, original) -> None:
        self.name = name
        self.original = original

    def write(self, text: str) -> int:
        buffers = getattr(_local, "buffers", None)
        if buffers is None:
            return self.original.write(text)
        buffer = buffers[self.name]
        if buffer.tell() < MAX_CHARS:
            buffer.write(text)
        return len(text)

    def flush(self) -> None:
        self.original.flush()

    def __getattr__(self, attr):
        return getattr(self.original, attr)


@contextmanager
def captured():
    """Capture this thread's prints; yields {"stdout": StringIO, "stderr": StringIO}."""
    global _users
    with _lock:
        if _users == 0:
            for name in ("stdout", "stderr"):
                _originals[name] = getattr(sys, name)
                setattr(sys, name, _Router(name, _originals[name]))
        _users += 1
    _local.buffers = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    try:
        yield _local.buffers
    finally:
        del _local.buffers
        with _lock:
            _users -= 1
            if _users == 0:
                for name, original in _originals.items():
                    setattr(sys, name, original)


def echo(step: str, text: str) -> None:
    """Show what a step printed, on stderr, each line marked with the step."""
    if text.strip():
        stream = _originals.get("stderr") or sys.stderr
        stream.write("".join(f"[{step}] {line}\n" for line in text.rstrip("\n").split("\n")))
