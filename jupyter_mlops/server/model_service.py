"""Lineage, registered models and deployments for the REST API, without tornado.

Plain functions taking the :class:`~.service.MLOpsService`: the blocking ones run on its
pool (``await service.call(fn, service, ...)``); ``deployments`` is async because it
shares one health check between every request that arrives while it is fresh or running.
"""

from __future__ import annotations

import asyncio
import time

from .errors import bad_request

DEPLOYMENTS_TTL = 2.0  # seconds a health-checked deployment list is reused
HEALTH_TIMEOUT = 0.5  # seconds per endpoint's /ping
MAX_REF_LENGTH = 512


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


def model_name(value: str | None) -> str:
    """The ``{name}`` of a model URL: required, and checked as :func:`text` checks."""
    name = text(value, "model name")
    if not name:
        raise bad_request("The model name is required.")
    return name


def page_token(value: str | None) -> str | None:
    if value is not None and (len(value) > 4096 or not value.isprintable()):
        raise bad_request("page_token is not a token this API returned.", code="invalid_page_token")
    return value or None


# -- lineage ------------------------------------------------------------------------------
def lineage(service, run_id: str | None, model: str | None) -> dict:
    from ..core.lineage.graph import lineage_graph

    # LineageNotFound is a 404, other LineageErrors a 400 (server/errors.py).
    return lineage_graph(service.client, run_id=run_id, model=model, check_health=True,
                         health_timeout=HEALTH_TIMEOUT, cache=service.lineage_cache)


# -- registered models --------------------------------------------------------------------
def models(service, name_contains: str, page_size: int, token: str | None) -> dict:
    from ..core.models.catalog import list_models

    return list_models(service.client, name_contains, page_size, token)


def model(service, name: str) -> dict:
    from ..core.models.catalog import model_detail

    return model_detail(service.client, name)  # ModelNotFound: a 404


# -- deployments --------------------------------------------------------------------------
def _list_deployments(service, name: str | None) -> list[dict]:
    from ..core.models.deploy import list_deployments

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


def deployment_cache(service) -> DeploymentCache:
    """The service's cache of health-checked deployment lists."""
    return service.deployments_cache


async def deployments(service, name: str | None) -> dict:
    return {"deployments": await deployment_cache(service).get(service, name)}
