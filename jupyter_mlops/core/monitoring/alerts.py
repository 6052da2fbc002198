"""Check every live deployment and raise alerts: what a scheduler calls.

The Jupyter server extension (or cron, or Airflow) calls::

    from jupyter_mlops.core.monitoring.alerts import check_all
    outcomes = check_all(tracking_uri_or_client, settings=Monitoring(config=...))

every ``settings.check_interval_seconds`` (300 by default).  For each deployment recorded
on this machine that answers its health check, it runs ``check.check(ref, record=True)``:
a run in ``monitoring/<model>`` and the status tag ``mlops.monitor.status.<port>`` on the
serving version (``check.deployment_status(version, port)`` reads it back).  When columns
drifted, that run is tagged ``mlops.monitor.status=alert`` and, if
``settings.webhook_url`` is set, the alert is POSTed there as JSON (``alert_payload``),
with ``settings.webhook_attempts`` attempts and exponential backoff.

One deployment's failure (no reference profile, store error) is reported in its outcome;
it never stops the others.  Nothing here blocks on more than one HTTP call at a time, so
run it off the server's event loop (a thread or executor).
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field

from .. import store
from ..errors import MLOpsError
from .check import CheckResult, check
from .settings import Monitoring

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What happened to one deployment in ``check_all``."""

    ref: str
    port: int
    status: str  # "ok", "alert", "no_data", "skipped" (not live here) or "error"
    run_id: str | None = None
    drifted: list[str] = field(default_factory=list)
    message: str = ""
    webhook: str | None = None  # "sent", "failed: ..." or None (no webhook / no alert)

    def to_dict(self) -> dict:
        return asdict(self)


def check_all(tracking, *, settings: Monitoring | None = None, webhook_url: str | None = None,
              sleep=time.sleep) -> list[Outcome]:
    """Check every healthy deployment of this machine; see the module docstring.
    ``tracking`` is a tracking URI or an MlflowClient; ``webhook_url`` overrides the
    setting."""
    from ..models.deploy import deployments

    settings = settings or Monitoring()
    client = store.client(tracking) if isinstance(tracking, str) else tracking
    url = settings.webhook_url if webhook_url is None else webhook_url
    outcomes = []
    for deployment in deployments(client, check_health=True):
        if deployment.status != "healthy":
            outcomes.append(Outcome(deployment.ref, deployment.port, "skipped", message=deployment.status))
            continue
        try:
            result = check(deployment.ref, tracking_uri=client.tracking_uri, settings=settings, record=True)
        except MLOpsError as exc:
            outcomes.append(Outcome(deployment.ref, deployment.port, "error", message=exc.message))
            continue
        except Exception as exc:  # noqa: BLE001 - a store error on one deployment must not stop the others
            logger.warning("jupyter-mlops: checking %s failed: %s", deployment.ref, exc)
            outcomes.append(Outcome(deployment.ref, deployment.port, "error", message=f"{type(exc).__name__}: {exc}"))
            continue
        outcome = Outcome(deployment.ref, deployment.port, result.status, result.run_id, result.drifted)
        if result.status == "alert" and url:
            outcome.webhook = post_webhook(url, alert_payload(result, deployment.endpoint),
                                           attempts=settings.webhook_attempts, sleep=sleep)
        outcomes.append(outcome)
    return outcomes


def alert_payload(result: CheckResult, endpoint: str = "") -> dict:
    """The JSON body of an alert."""
    return {"kind": "jupyter-mlops.drift", "model": result.name, "version": result.version, "ref": result.ref,
            "port": result.port, "endpoint": endpoint, "run_id": result.run_id, "drifted": result.drifted,
            "window": result.window, "live_rows": result.live_rows, "time": int(time.time() * 1000),
            "columns": [{k: r[k] for k in ("feature", "statistic", "value", "threshold", "drifted")}
                        for r in result.rows]}


def post_webhook(url: str, payload: dict, *, attempts: int = 3, timeout: float = 5.0, backoff: float = 0.5,
                 sleep=time.sleep) -> str:
    """POST ``payload``; retried on connection errors and 5xx/429 answers, at most
    ``attempts`` times, waiting ``backoff``, 2x``backoff``, ... between them.
    Returns "sent" or "failed: <why>"; never raises."""
    body = json.dumps(payload, default=float).encode()
    why = "no attempt"
    for attempt in range(max(1, attempts)):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"content-type": "application/json",
                                                  "user-agent": "jupyter-mlops-alerts"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the configured URL
                if response.status < 300:
                    return "sent"
                why = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            why = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:  # the receiver refuses it: retrying will not help
                break
        except (urllib.error.URLError, OSError, ValueError) as exc:
            why = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    logger.warning("jupyter-mlops: alert webhook %s failed: %s", url, why)
    return f"failed: {why}"
