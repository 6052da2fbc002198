"""The base handler every route uses: authentication, JSON replies, one error mapping."""

from __future__ import annotations

import json
from http.client import responses
from typing import Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

from .errors import ApiError, to_api_error

AUTH_RESOURCE = "mlops"

# HTTP status -> the code we report when tornado or jupyter_server raised it.
_STATUS_CODES = {
    400: "invalid_parameter",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


class MLOpsHandler(APIHandler):
    """Replies are JSON; errors are ``{"code", "message"}`` with the right status."""

    auth_resource = AUTH_RESOURCE

    @property
    def service(self):
        return self.settings["jupyter_mlops.service"]

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    def query(self, name: str, default: str | None = None) -> str | None:
        value = self.get_query_argument(name, None)
        return default if value is None or value == "" else value

    def _handle_request_exception(self, e: BaseException) -> None:
        # Map our errors, core's and MLflow's before tornado logs them as 500s.
        error = to_api_error(e)
        if error is not None:
            self._send_api_error(error)
            return
        super()._handle_request_exception(e)

    def _send_api_error(self, error: ApiError) -> None:
        if self._finished:
            return
        if error.status >= 500:
            self.log.error("jupyter-mlops: %s: %s", error.code, error.message)
        else:
            self.log.info("jupyter-mlops: %s %s: %s", error.status, error.code, error.message)
        self.clear()
        self.set_status(error.status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({**error.extra, "code": error.code, "message": error.message}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json")
        message = responses.get(status_code, "Unknown HTTP error")
        exc_info = kwargs.get("exc_info")
        if exc_info and isinstance(exc_info[1], web.HTTPError) and exc_info[1].log_message:
            error = exc_info[1]
            message = error.log_message % error.args if error.args else error.log_message
        elif exc_info and status_code >= 500:
            message = "Internal error in the jupyter-mlops server extension; see the server log."
        if status_code == 403 and message == responses[403]:
            message = "Forbidden: authenticate with the Jupyter token or log in again."
        code = _STATUS_CODES.get(status_code, "internal" if status_code >= 500 else "error")
        self.finish(json.dumps({"code": code, "message": message}))


class NotFoundHandler(MLOpsHandler):
    """Anything under our prefix that no route matched: a JSON 404, still behind auth."""

    @web.authenticated
    def get(self, *args: Any, **kwargs: Any) -> None:
        raise ApiError(404, "not_found", f"No jupyter-mlops API at {self.request.path}.")

    post = put = patch = delete = get

