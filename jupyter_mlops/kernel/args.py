"""What every magic class of the extension shares: line parsing, settings, session."""

from __future__ import annotations

import functools
import shlex

from IPython.core.error import UsageError
from IPython.core.magic import MAGIC_NO_VAR_EXPAND_ATTR
from IPython.utils.text import DollarFormatter

from ..core.config import MLOps, resolve
from ..core.tracking.session import TrackingSession, get_session


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


# IPython expands $name and {expression} in a magic's line with a regex whose time grows
# with the square of the line's length: a 100 KB `--tag` value took 47 s before the magic
# even ran.  Our magics expand lines up to this length as IPython would; longer ones are
# taken as written.
MAX_EXPANDED = 4096


def expands_short_lines(magic_function):
    """Put this right under ``@line_magic`` / ``@cell_magic``."""

    @functools.wraps(magic_function)
    def run(self, line, *cell, local_ns=None):
        if len(line) <= MAX_EXPANDED and ("$" in line or "{" in line):
            namespace = dict(self.shell.user_ns)
            namespace.update(local_ns or {})  # the caller's locals, as IPython does
            try:
                line = DollarFormatter().vformat(line, args=[], kwargs=namespace)
            except Exception:  # noqa: BLE001 - as IPython: a line that does not format stays as it is
                pass
        return magic_function(self, line, *cell)

    setattr(run, MAGIC_NO_VAR_EXPAND_ATTR, True)
    run.needs_local_scope = True  # type: ignore[attr-defined]
    return run


def parse(magic, line: str):
    """Like IPython's ``parse_argstring``, but quotes are shell quotes, so
    ``--name "first try"`` and ``--require "metrics.acc >= 0.9"`` arrive unquoted.
    Wrong usage raises UsageError (the magic's argparse parser does the same)."""
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"Cannot split the arguments ({exc}); check the quotes.") from None
    return magic.parser.parse_args(argv)
