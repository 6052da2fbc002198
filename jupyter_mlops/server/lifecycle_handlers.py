"""GET models/{name}/promotions: a model's promotion history and pending triggers.

The reply is ``core.lifecycle.api.model_status`` without its endpoints (the Deployments
section shows those): every decision run of ``promotions/<name>`` (newest
first), the triggers of ``policies/<name>.yaml`` not acted on yet (evaluated without
moving the watcher's cursors) and the retrainings under way.  A name with no registered
model, no policy and no recorded decision is a 404.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..core.errors import NotFound
from . import model_service, params
from .base import MLOpsHandler

DEFAULT_HISTORY = 50
MAX_HISTORY = 500
FIELDS = ("model", "policy", "policy_error", "aliases", "history", "pending", "running")


def promotions(service, name: str, limit: int) -> dict:
    from ..core.lifecycle.api import model_status

    settings = service.settings
    status = model_status(name, root=settings.root, tracking_uri=settings.tracking_uri,
                          state_dir=settings.state_dir, limit=limit, digests=service.data_digests)
    if not status["aliases"] and not status["history"] and status["policy"] is None \
            and status["policy_error"] is None and not _registered(service, name):
        raise NotFound(f"No model named {name!r}: no registered model, no policies/{name}.yaml and no "
                       "recorded decision. Check the name in the Models section.", code="model_not_found")
    return {key: status[key] for key in FIELDS}


def _registered(service, name: str) -> bool:
    from ..core import store

    return store.registered_model_or_none(service.client, name) is not None


class PromotionsHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        name = model_service.model_name(name)
        limit = params.integer(self.query("limit"), "limit", DEFAULT_HISTORY, 1, MAX_HISTORY)
        self.reply(await self.service.call(promotions, self.service, name, limit))
