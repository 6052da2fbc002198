"""REST handlers for lineage, registered models and deployments.  Reads only."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from . import model_service, params
from .base import MLOpsHandler
from .errors import bad_request

DEFAULT_MODELS_PAGE = 100


class LineageHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        run_id, model = self.query("run"), model_service.text(self.query("model"), "model")
        if bool(run_id) == bool(model):
            raise bad_request("Give exactly one of 'run' (a run id) or 'model' (NAME, NAME@ALIAS or NAME/VERSION).")
        if run_id:
            run_id = params.identifier(run_id, "run")
        self.reply(await self.service.call(model_service.lineage, self.service, run_id, model))


class ModelsHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        name_contains = model_service.text(self.query("filter"), "filter") or ""
        token = model_service.page_token(self.query("page_token"))
        size = params.integer(self.query("page_size"), "page_size", DEFAULT_MODELS_PAGE, 1, params.MAX_PAGE_SIZE)
        self.reply(await self.service.call(model_service.models, self.service, name_contains, size, token))


class ModelHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        name = model_service.model_name(name)
        self.reply(await self.service.call(model_service.model, self.service, name))


class DeploymentsHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        name = model_service.text(self.query("name"), "name")
        self.reply(await model_service.deployments(self.service, name))
