"""Capture what a tracked cell shows, while the user still sees all of it."""

from __future__ import annotations

import base64
import sys

MAX_CHARS = 100_000
MAX_IMAGES = 20


class _Tee:
    """Writes through to the real stream and keeps the first MAX_CHARS characters."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._parts: list[str] = []
        self._size = 0
        self.dropped = 0

    def write(self, text):
        if self._size < MAX_CHARS and isinstance(text, str):
            self._parts.append(text)
            self._size += len(text)
        elif isinstance(text, str):
            self.dropped += len(text)
        return self._stream.write(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)

    @property
    def text(self) -> str:
        return "".join(self._parts)


class OutputCapture:
    """Tee stdout/stderr and keep PNG images published while the cell runs
    (matplotlib inline figures arrive this way, as do ``display(Image(...))``)."""

    def __init__(self, shell) -> None:
        self.shell = shell
        self.images: list[bytes] = []

    def __enter__(self) -> OutputCapture:
        self._stdout, self._stderr = sys.stdout, sys.stderr
        self.stdout, self.stderr = _Tee(sys.stdout), _Tee(sys.stderr)
        sys.stdout, sys.stderr = self.stdout, self.stderr
        publisher = getattr(self.shell, "display_pub", None)
        self._publisher = publisher
        if publisher is not None:
            self._publish = publisher.publish
            images = self.images

            def publish(data, *args, **kwargs):
                png = data.get("image/png") if isinstance(data, dict) else None
                if png and len(images) < MAX_IMAGES:
                    try:
                        images.append(base64.b64decode(png) if isinstance(png, str) else bytes(png))
                    except (ValueError, TypeError):
                        pass
                return self._publish(data, *args, **kwargs)

            publisher.publish = publish
        return self

    def __exit__(self, *exc) -> bool:
        sys.stdout, sys.stderr = self._stdout, self._stderr
        if self._publisher is not None:
            self._publisher.publish = self._publish
        return False

    def figures_from_pyplot(self) -> None:
        """Figures still open at the end of the cell (the inline backend shows them
        only after the cell, so they are not published yet)."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        import io

        for number in pyplot.get_fignums()[: MAX_IMAGES - len(self.images)]:
            buffer = io.BytesIO()
            pyplot.figure(number).savefig(buffer, format="png", bbox_inches="tight")
            self.images.append(buffer.getvalue())
