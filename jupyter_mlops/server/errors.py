"""One mapping from what went wrong to an HTTP status and a JSON ``{"code", "message"}``.

Kept free of tornado so the service modules can raise it and stay plain Python.
"""

from __future__ import annotations


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
