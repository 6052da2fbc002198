"""What the REST API does, without tornado: one object owning the store and a thread pool.

Every MLflow call is blocking, so handlers ``await service.call(fn, ...)`` which runs it on
a small pool.  The embedded store is prepared once, on the pool, before the first call.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import platform
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .._version import __version__
from ..core import names, store
from ..core.config import Settings, hide_credentials
from . import artifacts, serialize
from .counts import experiment_activity
from .errors import ApiError, not_found
from .params import RunQuery

logger = logging.getLogger(__name__)
API_VERSION = "1"
REACHABLE_FOR = 5.0  # seconds a successful reachability check is trusted
WARM_EXPERIMENTS = 20  # lineage indexes kept warm: the most recently active experiments


class MLOpsService:
    def __init__(self, settings: Settings, max_workers: int = 4):
        self.settings = settings
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="jupyter-mlops")
        self._ready = threading.Event()
        self._ready_lock = threading.Lock()
        self._reachable_at = float("-inf")
        self._warming = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------
    def _ensure_ready(self) -> None:
        # A TCP connect first (at most every few seconds): MLflow's own retries would hold
        # a request for minutes when the tracking server is down.
        if time.monotonic() - self._reachable_at > REACHABLE_FOR:
            reason = store.unreachable_reason(self.settings.tracking_uri, timeout=1.0)
            if reason:
                raise self._unavailable(reason)
            self._reachable_at = time.monotonic()
        if self._ready.is_set():
            return
        with self._ready_lock:
            if not self._ready.is_set():
                try:
                    store.prepare(self.settings)
                except Exception as exc:  # noqa: BLE001 -- reported to the client as a 503
                    raise self._unavailable(f"{type(exc).__name__}: {exc}") from exc
                self._ready.set()

    def _unavailable(self, reason: str) -> ApiError:
        uri = self.settings.display_uri
        reason = hide_credentials(reason.replace(self.settings.tracking_uri, uri))[:500]
        return ApiError(
            503,
            "store_unavailable",
            f"The MLflow tracking store {uri} cannot be reached ({reason}). Start it, or point "
            "MLFLOW_TRACKING_URI (or c.MLOps.tracking_uri) at a store that runs, then restart Jupyter.",
        )

    @property
    def client(self):
        return store.client(self.settings.tracking_uri)

    async def call(self, fn, *args, needs_store: bool = True, **kwargs) -> Any:
        def run():
            if needs_store:
                self._ensure_ready()
            return fn(*args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(self._pool, run)

    def warm_up(self) -> None:
        """Import MLflow and migrate the store in the background right after start."""
        def warm() -> None:
            try:
                self._ensure_ready()
            except ApiError:
                pass  # the same error reaches the first request that needs the store

        self._pool.submit(warm)

    def warm_lineage(self, experiments: list[tuple[str, int]]) -> None:
        """Index these ``(experiment id, run count)`` for lineage in the background (one
        warm-up at a time, bounded), so that GET lineage does not pay for loading them;
        see core.lineage_index."""
        from ..core import lineage_index

        # Asked on every GET experiments (the sidebar polls it): usually nothing to do.
        experiments = lineage_index.wanting_warmth(self.client, experiments)
        if not experiments or not self._warming.acquire(blocking=False):
            return

        def warm() -> None:
            from ..core import lineage

            try:
                client = self.client
                started = time.perf_counter()
                built = lineage_index.warm(client, experiments)
                if built:
                    lineage.prime(client)
                    # The fresh index is many small objects: let the collector's full pass
                    # over them run here rather than inside the next request.
                    gc.collect()
                    logger.debug("jupyter-mlops: indexed experiments %s for lineage in %.2f s", built,
                                 time.perf_counter() - started)
            except Exception as exc:  # noqa: BLE001 -- only a head start: the request builds it again
                logger.warning("jupyter-mlops: indexing runs for lineage failed: %s", exc)
            finally:
                self._warming.release()

        try:
            self._pool.submit(warm)
        except RuntimeError:  # the pool is shut down
            self._warming.release()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- endpoints ----------------------------------------------------------------------
    def describe(self, client_api_version: str | None, client_version: str | None) -> dict:
        import mlflow

        compatible = client_api_version in (None, "", API_VERSION)
        message = "" if compatible else (
            f"The sidebar speaks API version {client_api_version} but the server extension "
            f"speaks {API_VERSION}. Rebuild or reinstall jupyter-mlops so both come from one "
            "release, then reload the page."
        )
        return {
            "api_version": API_VERSION,
            "server_version": __version__,
            "client_version": client_version,
            "compatible": compatible,
            "message": message,
            "mlflow_version": mlflow.__version__,
            "python_version": platform.python_version(),
            "tracking_uri": self.settings.display_uri,
            "embedded_store": self.settings.embedded,
            "ui_url": self.settings.ui_url or None,
            "root": str(self.settings.root),
        }

    def experiments(self, include_internal: bool) -> dict:
        from mlflow.entities import ViewType

        client = self.client
        found, token = [], None
        while True:
            page = client.search_experiments(
                view_type=ViewType.ACTIVE_ONLY, max_results=1000, page_token=token,
                order_by=["last_update_time DESC"],
            )
            found.extend(page)
            token = page.token
            if not token:
                break
        if not include_internal:
            found = [e for e in found if not e.name.startswith(serialize.INTERNAL_EXPERIMENT_PREFIX)]
        activity = experiment_activity(client, [e.experiment_id for e in found])
        rows = [serialize.experiment(e, activity[e.experiment_id]) for e in found]
        rows.sort(key=lambda row: row["last_activity"] or 0, reverse=True)
        self.warm_lineage([(row["experiment_id"], row["run_count"]) for row in rows
                           if row["run_count"] and not row["internal"]][:WARM_EXPERIMENTS])
        return {"experiments": rows}

    def runs(self, query: RunQuery) -> dict:
        page = self.client.search_runs(
            [query.experiment_id],
            filter_string=query.filter_string,
            run_view_type=query.view_type,
            max_results=query.page_size,
            order_by=query.order_by,
            page_token=query.page_token,
        )
        if not len(page) and not query.page_token:
            self._experiment_or_404(query.experiment_id)
        token = page.token.decode() if isinstance(page.token, bytes) else page.token
        return {"runs": [serialize.run_summary(run) for run in page], "next_page_token": token or None}

    def _experiment_or_404(self, experiment_id: str):
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_experiment(experiment_id)
        except MlflowException as exc:
            raise not_found(f"No experiment with id {experiment_id!r}.") from exc

    def _run_or_404(self, run_id: str):
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_run(run_id)
        except MlflowException as exc:
            raise not_found(f"No run with id {run_id!r}; it may have been deleted.") from exc

    def run_detail(self, run_id: str) -> dict:
        run = self._run_or_404(run_id)
        listing = artifacts.list_tree(self.client, run_id)
        source = run.data.tags.get(names.CELL_SOURCE)
        if source is None or len(source) >= names.MAX_TAG_VALUE:
            # The tag holds a truncated copy; the artifact holds it whole.
            if any(entry["path"] == names.ARTIFACT_CELL for entry in listing):
                source = artifacts.read(self.client, run, names.ARTIFACT_CELL).get("content", source)
        return serialize.run_detail(run, self.settings.ui_url, listing, source)

    def metric_history(self, run_id: str, key: str, max_points: int) -> dict:
        run = self._run_or_404(run_id)
        if key not in run.data.metrics:
            raise not_found(f"Run {run_id} has no metric {key!r}.")
        history = self.client.get_metric_history(run_id, key)
        return serialize.metric_history(key, history, max_points)

    def list_artifacts(self, run_id: str, raw_path: str | None) -> dict:
        self._run_or_404(run_id)
        path = artifacts.clean_path(raw_path, allow_root=True)
        files = artifacts.list_dir(self.client, run_id, path)
        if path and not files:
            raise not_found(f"Run {run_id} has no artifact folder {path!r}.")
        return {"path": path, "files": files}

    def read_artifact(self, run_id: str, raw_path: str | None) -> dict:
        artifacts.clean_path(raw_path)  # refuse a bad path before touching the store
        return artifacts.read(self.client, self._run_or_404(run_id), raw_path)

