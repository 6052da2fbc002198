"""Notebooks renamed or moved: the Jupyter server's contents events -> core.tracking.notebooks.

- ``rename`` (JupyterLab, the REST API): the notebook's experiment (or, for a folder, the
  experiments of the notebooks in it) takes the new name, and each kernel running one of
  those notebooks is told its new path, so its next ``%%track`` runs land beside the earlier ones;
- ``get`` of a notebook with no experiment (it is being opened): if it was moved on disk,
  its cells' ids find the experiment whose notebook is gone, which then follows it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from ..core.config import Settings
from ..core.tracking import notebooks

logger = logging.getLogger(__name__)
CONTENTS_EVENTS = "https://events.jupyter.org/jupyter_server/contents_service/v1"
MAX_CHECKED = 10_000


class NotebookFollower:
    def __init__(self, server_app, service) -> None:
        self.server_app = server_app
        self.service = service
        self.settings: Settings = service.settings
        self.contents_root = Path(server_app.root_dir).resolve()
        self._checked: set[str] = set()  # paths opened and already matched with an experiment
        # One rename or adoption at a time: a PATCH rename emits "rename" and then "get" of the
        # new path, and an adoption racing the rename would move the experiment twice.
        self._moving = asyncio.Lock()

    def register(self) -> None:
        event_logger = getattr(self.server_app, "event_logger", None)
        if event_logger is None:  # a jupyter_server without events: renames are not followed
            logger.warning("jupyter-mlops: this Jupyter server emits no contents events; "
                           "renamed notebooks will start new experiments")
            return
        event_logger.add_listener(schema_id=CONTENTS_EVENTS, listener=self.on_event)

    def name(self, api_path: str) -> str:
        """A contents API path as the kernel names the notebook: relative to the mlops root."""
        path = (self.contents_root / api_path.strip("/")).resolve()
        try:
            return path.relative_to(self.settings.root).as_posix()
        except ValueError:
            return path.as_posix()

    async def on_event(self, logger, schema_id: str, data: dict) -> None:  # jupyter_events calls by keyword
        try:
            action, path = data.get("action"), data.get("path") or ""
            if action == "rename" and data.get("source_path"):
                await self.renamed(data["source_path"], path)
            elif action == "get" and path.endswith(".ipynb"):
                await self.opened(path)
        except Exception as exc:  # noqa: BLE001 - a listener must never break the contents API
            logger.warning("jupyter-mlops: following %s of %s failed: %s", data.get("action"), data.get("path"), exc)

    async def renamed(self, old_api: str, new_api: str) -> None:
        old, new = self.name(old_api), self.name(new_api)
        if not (old.endswith(".ipynb") or (self.settings.root / new).is_dir()):
            return
        # Experiments first: a %%track between the two steps then still finds its experiment.
        state_dir = self.settings.state_dir
        async with self._moving:
            moved = await self.service.call(lambda: notebooks.rename(self.service.client, state_dir, old, new))
        for before, after in moved:
            logger.info("jupyter-mlops: notebook %s is now %s; its experiment follows it", before, after)
        self._checked.discard(old)
        await self._tell_kernels(old, new)

    async def _tell_kernels(self, old: str, new: str) -> None:
        """Each kernel of a notebook at (or under) ``old`` learns its path under ``new``.
        JupyterLab moves the session to the new path right after the rename, so sessions
        already at ``new`` count too."""
        sessions = await self.server_app.session_manager.list_sessions()
        live = []
        for session in sessions:
            kernel_id = (session.get("kernel") or {}).get("id")
            if not kernel_id:
                continue
            live.append(kernel_id)
            path = self.name(session.get("path") or "")
            for before, after in ((old, new), (new, new)):
                if path == before or path.startswith(before + "/"):
                    notebooks.record_kernel_path(self.settings.state_dir, kernel_id, after + path[len(before):])
                    break
        notebooks.forget_kernels(self.settings.state_dir, live)

    async def opened(self, api_path: str) -> None:
        path = self.name(api_path)
        if path in self._checked:
            return
        if len(self._checked) > MAX_CHECKED:
            self._checked.clear()
        self._checked.add(path)
        async with self._moving:
            adopted = await self.service.call(
                lambda: notebooks.adopt_moved(self.service.client, self.settings.state_dir, self.settings.root, path))
        if adopted:
            logger.info("jupyter-mlops: notebook %s was moved to %s; its experiment follows it", adopted, path)
