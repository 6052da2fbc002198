"""The REST handlers: parse the request, await the service, reply JSON.  Reads only."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from . import params
from .base import MLOpsHandler
from .errors import bad_request


class SettingsHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        payload = await self.service.call(
            self.service.describe, self.query("api_version"), self.query("client_version"), needs_store=False
        )
        self.reply(payload)


class ExperimentsHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        internal = params.boolean(self.query("include_internal"), "include_internal")
        self.reply(await self.service.call(self.service.experiments, internal))


class RunsHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        args = {name: self.get_query_arguments(name) for name in self.request.query_arguments}

        def page() -> dict:  # parse and query in one trip to the pool
            query = params.run_query(lambda n: (args.get(n) or [None])[-1] or None, lambda n: args.get(n, []))
            return self.service.runs(query)

        self.reply(await self.service.call(page))


class RunHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        run_id = params.identifier(run_id, "run_id")
        self.reply(await self.service.call(self.service.run_detail, run_id))


class MetricHistoryHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str, key: str) -> None:
        run_id = params.identifier(run_id, "run_id")
        limit = params.integer(self.query("max_points"), "max_points", 1000, 2, 100_000)
        self.reply(await self.service.call(self.service.metric_history, run_id, key, limit))


class ArtifactListHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        run_id = params.identifier(run_id, "run_id")
        self.reply(await self.service.call(self.service.list_artifacts, run_id, self.query("path")))


class ArtifactReadHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        run_id = params.identifier(run_id, "run_id")
        raw = self.get_query_argument("path", None)
        self.reply(await self.service.call(self.service.read_artifact, run_id, raw))


MAX_COMPARED = 20


class CompareHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        run_ids = list(dict.fromkeys(params.identifier(v, "run_id") for v in self.get_query_arguments("run_id")))
        if not 2 <= len(run_ids) <= MAX_COMPARED:
            raise bad_request(f"Give 2 to {MAX_COMPARED} different run_id parameters to compare; "
                                     f"got {len(run_ids)}.")
        limit = params.integer(self.query("max_points"), "max_points", 500, 2, 100_000)
        self.reply(await self.service.call(self.service.compare, run_ids, self.query("metric") or None, limit))
