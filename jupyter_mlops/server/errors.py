"""One mapping from what went wrong to an HTTP status and a JSON ``{"code", "message"}``.

Core raises errors by kind (``core/errors.py``); MLflow raises ``MlflowException`` with an
error code; the server's own checks raise ``ApiError``.  ``to_api_error`` turns each into
the reply, once.  Kept free of tornado so the service modules stay plain Python.
"""

from __future__ import annotations

from ..core import errors as core_errors
from ..core.store import is_mlflow_error


class ApiError(Exception):
    """A failure the client should see: a status, a stable code and a readable message."""

    def __init__(self, status: int, code: str, message: str, extra: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}  # more fields for the reply, e.g. the notebook cell at fault


def bad_request(message: str, code: str = "invalid_parameter") -> ApiError:
    return ApiError(400, code, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


# MLflow's error codes (mlflow.protos.databricks_pb2 names) -> our status and code.
_MLFLOW_CODES = {
    "INVALID_PARAMETER_VALUE": (400, "invalid_parameter"),
    "BAD_REQUEST": (400, "invalid_parameter"),
    "INVALID_STATE": (400, "invalid_state"),
    "RESOURCE_DOES_NOT_EXIST": (404, "not_found"),
    "NOT_FOUND": (404, "not_found"),
    "ENDPOINT_NOT_FOUND": (404, "not_found"),
    "PERMISSION_DENIED": (403, "forbidden"),
    "UNAUTHENTICATED": (403, "forbidden"),
    "TEMPORARILY_UNAVAILABLE": (503, "store_unavailable"),
}


def from_mlflow(exc: Exception) -> ApiError:
    """Translate an ``MlflowException`` (or a subclass such as ``RestException``)."""
    code = str(getattr(exc, "error_code", "") or "")
    status, our_code = _MLFLOW_CODES.get(code, (502, "mlflow_error"))
    message = getattr(exc, "message", None) or str(exc)
    if status == 502:
        message = f"The MLflow tracking store failed: {message}"
    return ApiError(status, our_code, message)


# Core error kinds -> HTTP status (the most specific kind first).
_KIND_STATUS = (
    (core_errors.NotFound, 404),
    (core_errors.Refused, 403),
    (core_errors.Conflict, 409),
    (core_errors.TooLarge, 413),
    (core_errors.Unsupported, 415),
    (core_errors.Unavailable, 503),
    (core_errors.InvalidInput, 400),
)


def to_api_error(exc: BaseException) -> ApiError | None:
    """The reply for an exception we know, or None (an unexpected one: a logged 500)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, core_errors.MLOpsError):
        status = next((s for kind, s in _KIND_STATUS if isinstance(exc, kind)), 500)
        return ApiError(status, exc.code, exc.message, dict(exc.details))
    if is_mlflow_error(exc):
        return from_mlflow(exc)
    return None
