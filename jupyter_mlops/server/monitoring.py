"""The scheduled drift check of every live deployment, and GET deployments/{id}/monitoring.

Every ``c.Monitoring.check_interval_seconds`` (300 by default; 0 turns it off) the server
extension runs ``core.monitoring.alerts.check_all``: each healthy deployment on this
machine is compared with its reference profile, the check is a run in
``monitoring/<model>``, and a threshold crossed is an alert (that run tagged
``mlops.monitor.status=alert``, the status on the deployment, and a POST to
``c.Monitoring.webhook_url`` when set).  The check runs on its own thread, so neither the
IO loop nor the request pool waits for it; a pass still running when the next is due is
not doubled.  The IO loop only schedules: when it stops, so does the schedule.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..core import store
from ..core.errors import Unavailable
from ..core.monitoring.settings import Monitoring
from . import model_service
from .base import MLOpsHandler

logger = logging.getLogger(__name__)
MONITORING_KEY = "jupyter_mlops.monitoring"


class MonitoringSchedule:
    """Runs ``check_all`` every ``settings.check_interval_seconds`` on one worker thread."""

    def __init__(self, tracking_uri: str, settings: Monitoring):
        self.tracking_uri = tracking_uri
        self.settings = settings
        self.interval = float(settings.check_interval_seconds or 0)
        self.passes = 0  # finished passes
        self.last_outcomes: list[dict] = []
        self.last_finished: float | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running = False
        self._stopped = False

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    def start(self, io_loop) -> None:
        """Schedule the first pass one interval from now on ``io_loop`` (a tornado IOLoop)."""
        if not self.enabled:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jupyter-mlops-monitor")
        self._loop = io_loop.asyncio_loop
        io_loop.add_callback(self._schedule)

    def _schedule(self) -> None:
        if self._stopped or self._loop is None or self._loop.is_closed():
            return
        self._handle = self._loop.call_later(self.interval, self._tick)

    def _tick(self) -> None:
        if self._stopped or self._executor is None:
            return
        if self._running:  # the previous pass is still checking: skip this slot
            self._schedule()
            return
        self._running = True
        try:
            future = self._executor.submit(self.run_once)
        except RuntimeError:  # the executor is shut down
            return
        future.add_done_callback(lambda _: self._finished())

    def _finished(self) -> None:
        self._running = False
        loop = self._loop
        if loop is not None and not loop.is_closed() and not self._stopped:
            try:
                loop.call_soon_threadsafe(self._schedule)
            except RuntimeError:  # the loop closed meanwhile
                pass

    def run_once(self) -> list[dict]:
        """One pass over every deployment (on the calling thread); never raises."""
        from ..core.monitoring.alerts import check_all

        started = time.perf_counter()
        try:
            reason = store.unreachable_reason(self.tracking_uri, timeout=1.0)
            if reason:
                raise Unavailable(f"the tracking store cannot be reached ({reason})")
            outcomes = [o.to_dict() for o in check_all(self.tracking_uri, settings=self.settings)]
        except Exception as exc:  # noqa: BLE001 - the next pass tries again; the server keeps serving
            logger.warning("jupyter-mlops: the scheduled drift check failed: %s", exc)
            outcomes = [{"status": "error", "message": f"{type(exc).__name__}: {exc}"}]
        alerts = [o for o in outcomes if o.get("status") == "alert"]
        for outcome in alerts:
            logger.warning("jupyter-mlops: drift alert on %s: %s (run %s)", outcome["ref"],
                           ", ".join(outcome["drifted"]), outcome["run_id"])
        logger.info("jupyter-mlops: checked %d deployment(s) for drift in %.1f s, %d alert(s)", len(outcomes),
                    time.perf_counter() - started, len(alerts))
        self.last_outcomes = outcomes
        self.last_finished = time.time()
        self.passes += 1
        return outcomes

    def stop(self) -> None:
        self._stopped = True
        if self._handle is not None:
            self._handle.cancel()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


def deployment_monitoring(service, settings: Monitoring, deployment_id: str, feature: str | None) -> dict:
    from ..core.monitoring.status import deployment_monitoring as live_status

    # UnknownDeployment and NoReferenceProfile are 404s, a bad id or feature a 400 (errors.py).
    return live_status(service.client, deployment_id, feature=feature, settings=settings)


class DeploymentMonitoringHandler(MLOpsHandler):
    """GET deployments/{id}/monitoring[?feature=NAME]; ``id`` is ``NAME:PORT``."""

    @web.authenticated
    @authorized
    async def get(self, id: str) -> None:  # noqa: A002 - the route's documented parameter name
        deployment_id = model_service.text(id, "deployment id") or ""
        feature = model_service.text(self.query("feature"), "feature")
        schedule: MonitoringSchedule | None = self.settings.get(MONITORING_KEY)
        settings = schedule.settings if schedule is not None else Monitoring()
        self.reply(await self.service.call(deployment_monitoring, self.service, settings, deployment_id, feature))
