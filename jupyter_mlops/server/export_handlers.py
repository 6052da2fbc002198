"""REST handler for exporting a notebook to a pipeline.  A write: it creates a folder."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from . import export_service
from .base import MLOpsHandler


class ExportHandler(MLOpsHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = export_service.parse_request(self.request.body)
        root = self.settings["server_root_dir"]
        self.log.info("jupyter-mlops: exporting %s as a %s pipeline", request.notebook, request.target)
        report = await self.service.call(export_service.export, self.service, root, request, self._progress,
                                         needs_store=False)
        self.reply(report, status=201)

    def _progress(self, event: dict) -> None:
        self.log.debug("jupyter-mlops: export %s %.0f%%: %s", event.get("stage"),
                       100 * (event.get("fraction") or 0), event.get("message"))
