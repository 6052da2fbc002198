"""What every magic class of the extension shares: line parsing, settings, session."""

from __future__ import annotations

import shlex

from IPython.core.error import UsageError

from ..core.config import MLOps, resolve
from ..core.session import TrackingSession, get_session


class StoreAccess:
    """Mixin for Magics: the resolved settings (a malformed URI is a UsageError) and the
    process's tracking session, resolved on first use."""

    _settings = None

    @property
    def settings(self):
        if self._settings is None:
            try:
                self._settings = resolve(MLOps(config=self.shell.config))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        return self._settings

    @property
    def session(self) -> TrackingSession:
        return get_session(self.settings)


def parse(magic, line: str):
    """Like IPython's ``parse_argstring``, but quotes are shell quotes, so
    ``--name "first try"`` and ``--require "metrics.acc >= 0.9"`` arrive unquoted.
    Wrong usage raises UsageError (the magic's argparse parser does the same)."""
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"Cannot split the arguments ({exc}); check the quotes.") from None
    return magic.parser.parse_args(argv)
