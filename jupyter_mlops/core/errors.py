"""What can go wrong, by kind.  Each layer shows these its own way: the kernel as a
``UsageError``, the server as a JSON ``{"code", "message"}`` reply whose status comes from
the kind (``server/base.py`` maps kinds to statuses, once), the CLI as a message and an
exit code.  ``code`` is a stable word a client can branch on."""

from __future__ import annotations


class MLOpsError(Exception):
    """Base of every error jupyter-mlops raises on purpose; the message says what to do."""

    default_code = "error"

    def __init__(self, message: str, code: str | None = None, **details):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details  # more fields for a client, e.g. the notebook cell at fault


class InvalidInput(MLOpsError, ValueError):
    """The caller asked for something malformed or impossible (HTTP 400)."""

    default_code = "invalid_parameter"


class NotFound(MLOpsError, LookupError):
    """Nothing by that name, id or version (HTTP 404)."""

    default_code = "not_found"


class Refused(MLOpsError):
    """Well formed, but not allowed, e.g. a path that leaves its folder (HTTP 403)."""

    default_code = "forbidden"


class Conflict(MLOpsError):
    """The request clashes with what exists, e.g. an output folder that exists (HTTP 409)."""

    default_code = "conflict"


class TooLarge(MLOpsError):
    """More than the caller may ask for at once (HTTP 413)."""

    default_code = "too_large"


class Unsupported(MLOpsError):
    """A kind of content this operation does not handle (HTTP 415)."""

    default_code = "unsupported"


class Unavailable(MLOpsError):
    """A store or server the request needs cannot be reached (HTTP 503)."""

    default_code = "store_unavailable"
