"""Our ASGI layer around MLflow's scoring app: prediction log and ``/metrics``.

``MonitoredApp(inner, log, metrics, version)`` passes every request to ``inner`` (MLflow's
FastAPI app, so ``/invocations``, ``/ping``, ``/health`` and ``/version`` keep MLflow's
contract) and, for ``POST /invocations``, holds the answer back until its log record is
written: a request that got an answer is in the log.  When the record cannot be written
(a full disk) the answer is a 503 instead, and the failure is counted.  Metrics are
updated after the answer is sent.  ``GET /metrics`` answers from our registry.

The body of ``POST /invocations`` is read first, up to ``max_body_bytes``: a request that
declares a bigger ``content-length``, or sends more than that, is answered 413 at once,
without reading the rest (``%deploy --max-request-mb``).  With a data contract
(``contract_check.RequestContract``) the request's rows are then validated: in ``reject``
mode a violating request gets a 400 listing the violations and never reaches the model; in
``log`` mode it is served and its record in the log carries the violations.  Both count
in ``/metrics``.  The body is then handed to MLflow's app as it came.

The server process builds it from its environment (``scoring_app.py``); ``server_env``
says what ``%deploy`` puts there.
"""

from __future__ import annotations

import json
import logging
import time

import anyio
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .contract_check import Pending, RequestContract, log_entry
from .metrics import ServerMetrics
from .predlog import PredictionLog, record_line
from .records import parse_predictions

logger = logging.getLogger(__name__)
INVOCATIONS = "/invocations"
METRICS = "/metrics"


class MonitoredApp:
    def __init__(self, inner, log: PredictionLog | None, metrics: ServerMetrics, version: str,
                 contract: RequestContract | None = None, max_body_bytes: int | None = None):
        self.inner = inner
        self.log = log
        self.metrics = metrics
        self.version = version
        self.contract = contract
        self.max_body_bytes = max_body_bytes or None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        path = scope.get("path", "")
        if path == METRICS and scope.get("method") == "GET":
            return await self._metrics(send)
        if path != INVOCATIONS:
            return await self.inner(scope, receive, send)
        return await self._invocation(scope, receive, send)

    async def _metrics(self, send) -> None:
        body = generate_latest(self.metrics.registry)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", CONTENT_TYPE_LATEST.encode()),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _invocation(self, scope, receive, send) -> None:
        started_wall = time.time()
        started = time.perf_counter()
        limit = self.max_body_bytes
        declared = _header(scope, b"content-length")
        if limit and declared.isdigit() and int(declared) > limit:
            return await self._too_large(scope, send, int(declared), started_wall, started)
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None  # the client left before it sent the whole body: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if limit and size > limit:
                return await self._too_large(scope, send, size, started_wall, started)
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        report = None
        if self.contract is not None:
            content_type = _header(scope, b"content-type")
            found = self.contract.quick(body, content_type)
            if isinstance(found, Pending):  # pandas/pandera: off the event loop, which keeps serving
                found = await anyio.to_thread.run_sync(self.contract.full, body, content_type, found.parsed)
            report = found
            if report is not None:
                rejected = not report.ok and self.contract.mode == "reject"
                self.metrics.contract(report, "rejected" if rejected else None)
                if rejected:
                    answer = json.dumps({"error_code": "CONTRACT_VIOLATION", "message": report.summary(limit=10),
                                         **report.as_dict()}, default=str).encode()
                    start = {"type": "http.response.start", "status": 400,
                             "headers": [(b"content-type", b"application/json")]}
                    return await self._answer(scope, start, body, answer, started_wall, started, send, report)

        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: a disconnect, when it comes

        held: dict = {}
        response_parts: list[bytes] = []

        async def hold_until_logged(message):
            if message["type"] == "http.response.start":
                held["start"] = message
                return None
            if message["type"] != "http.response.body":
                return await send(message)
            response_parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return None
            await self._answer(scope, held["start"], body, b"".join(response_parts), started_wall, started, send,
                               report)
            return None

        await self.inner(scope, replay, hold_until_logged)

    async def _too_large(self, scope, send, size: int, started_wall: float, started: float) -> None:
        limit = self.max_body_bytes or 0
        answer = json.dumps({"error_code": "REQUEST_TOO_LARGE",
                             "message": f"the request body is {'at least ' if size <= limit + 65536 else ''}"
                                        f"{size / 1e6:.1f} MB; this deployment accepts at most "
                                        f"{limit / 1e6:.1f} MB per request. Send fewer rows per request, or "
                                        "deploy with a larger %deploy --max-request-mb.",
                             "limit_bytes": limit}).encode()
        self.metrics.too_large.inc()
        start = {"type": "http.response.start", "status": 413,
                 "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]}
        await self._answer(scope, start, b"", answer, started_wall, started, send)

    async def _answer(self, scope, start: dict, body: bytes, response: bytes, started_wall: float, started: float,
                      send, report=None) -> None:
        status = int(start["status"])
        content_type = _header(scope, b"content-type")
        latency = time.perf_counter() - started
        if self.log is not None:
            try:
                self.log.append(record_line(started_wall, latency * 1000, status, self.version, content_type, body,
                                            response, log_entry(report) if report is not None and not report.ok
                                            else None))
            except OSError as exc:  # not logged: not acknowledged either
                self.metrics.log_failures.inc()
                logger.error("jupyter-mlops: the prediction log could not be written: %s", exc)
                status, response = 503, json.dumps({
                    "error_code": "PREDICTION_LOG_UNAVAILABLE",
                    "message": f"the prediction log could not be written ({exc}); the request was not served."
                }).encode()
                start = {"type": "http.response.start", "status": 503,
                         "headers": [(b"content-type", b"application/json")]}
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(response)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": response})
        self.metrics.request(INVOCATIONS, scope.get("method", "POST"), status, time.perf_counter() - started)
        if status == 200:
            try:
                self.metrics.predictions(parse_predictions(json.loads(response)))
            except ValueError:
                pass  # not JSON (a custom pyfunc's output): nothing to count


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""
