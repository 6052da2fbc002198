"""Lineage, registered models and deployments for the REST API, without tornado.

Plain functions taking the :class:`~.service.MLOpsService`: the blocking ones run on its
pool (``await service.call(fn, service, ...)``); ``deployments`` is async because it
shares one health check between every request that arrives while it is fresh or running.
"""

from __future__ import annotations

import asyncio
import time
import weakref

from .errors import bad_request, not_found

DEPLOYMENTS_TTL = 2.0  # seconds a health-checked deployment list is reused
HEALTH_TIMEOUT = 0.5  # seconds per endpoint's /ping
MAX_REF_LENGTH = 512
# Messages of core.lineage.LineageError that mean "nothing by that name": 404, not 400.
_MISSING = ("No run", "No registered model")
_MISSING_PART = (" has no alias ", " has no version ")


def text(value: str | None, what: str, limit: int = MAX_REF_LENGTH) -> str | None:
    """A free-text parameter: at most ``limit`` printable characters (None when absent)."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise bad_request(f"{what} is {len(value)} characters; the limit is {limit}.")
    if not value.isprintable():
        raise bad_request(f"{what} must not contain control characters.")
    return value or None


def page_token(value: str | None) -> str | None:
    if value is not None and (len(value) > 4096 or not value.isprintable()):
        raise bad_request("page_token is not a token this API returned.", code="invalid_page_token")
    return value or None


# -- lineage ------------------------------------------------------------------------------
def lineage(service, run_id: str | None, model: str | None) -> dict:
    from ..core.lineage import LineageError, lineage_graph

    try:
        return lineage_graph(service.client, run_id=run_id, model=model, check_health=True,
                             health_timeout=HEALTH_TIMEOUT)
    except LineageError as exc:
        message = str(exc)
        if message.startswith(_MISSING) or any(part in message for part in _MISSING_PART):
            raise not_found(message) from None
        raise bad_request(message) from None


# -- registered models --------------------------------------------------------------------
def models(service, name_contains: str, page_size: int, token: str | None) -> dict:
    from ..core.models import list_models

    return list_models(service.client, name_contains, page_size, token)


def model(service, name: str) -> dict:
    from ..core.models import ModelNotFound, model_detail

    try:
        return model_detail(service.client, name)
    except ModelNotFound as exc:
        raise not_found(str(exc)) from None


# -- deployments --------------------------------------------------------------------------
def _list_deployments(service, name: str | None) -> list[dict]:
    from ..core.deploy import list_deployments

    return list_deployments(service.client, check_health=True, timeout=HEALTH_TIMEOUT, name=name)


class DeploymentCache:
    """(name) -> (when, future): concurrent and repeated requests within ``ttl`` share one
    health-checked listing; a failed listing is not kept."""

    def __init__(self, ttl: float = DEPLOYMENTS_TTL):
        self.ttl = ttl
        self._entries: dict[str | None, tuple[float, asyncio.Future]] = {}

    async def get(self, service, name: str | None) -> list[dict]:
        now = time.monotonic()
        entry = self._entries.get(name)
        if entry is None or (entry[1].done() and now - entry[0] > self.ttl):
            future = asyncio.ensure_future(service.call(_list_deployments, service, name))
            entry = (now, future)
            self._entries[name] = entry
            future.add_done_callback(lambda f, key=name: self._settle(key, f))
            self._prune(now)
        return list(await asyncio.shield(entry[1]))

    def _settle(self, key, future: asyncio.Future) -> None:
        if future.cancelled() or future.exception() is not None:
            if self._entries.get(key, (0, None))[1] is future:
                del self._entries[key]
        else:  # fresh from when the answer arrived, not from when it was asked
            if self._entries.get(key, (0, None))[1] is future:
                self._entries[key] = (time.monotonic(), future)

    def _prune(self, now: float) -> None:
        stale = [k for k, (at, f) in self._entries.items() if f.done() and now - at > self.ttl]
        for key in stale:
            del self._entries[key]


_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def deployment_cache(service) -> DeploymentCache:
    cache = _caches.get(service)
    if cache is None:
        cache = _caches[service] = DeploymentCache()
    return cache


async def deployments(service, name: str | None) -> dict:
    return {"deployments": await deployment_cache(service).get(service, name)}
