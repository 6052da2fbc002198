"""Magic-line parsing shared by every magic of the extension."""

from __future__ import annotations

import shlex

from IPython.core.error import UsageError


def parse(magic, line: str):
    """Like IPython's ``parse_argstring``, but quotes are shell quotes, so
    ``--name "first try"`` and ``--require "metrics.acc >= 0.9"`` arrive unquoted.
    Wrong usage raises UsageError (the magic's argparse parser does the same)."""
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"Cannot split the arguments ({exc}); check the quotes.") from None
    return magic.parser.parse_args(argv)
