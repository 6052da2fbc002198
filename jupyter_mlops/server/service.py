"""What the REST API does, without tornado: one object owning the store and a thread pool.

Every MLflow call is blocking, so handlers ``await service.call(fn, ...)`` which runs it on
a small pool.  The embedded store is prepared once, on the pool, before the first call.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import platform
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..core import mlflow_ui, names, store
from ..core.config import Settings, hide_credentials
from ..core.errors import NotFound
from ..core.lineage.index import LineageCache
from ..core.store import artifacts
from ..core.store import runs as stored_runs
from . import serialize
from .errors import ApiError, not_found
from .model_service import DeploymentCache
from .params import RunQuery

if TYPE_CHECKING:
    from ..core.lifecycle.data import DigestCache

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
        self.deployments_cache = DeploymentCache()  # health-checked deployment lists, shared by requests
        # The lineage indexes of the server's lifetime: warmed in the background, read by GET lineage.
        self.lineage_cache = LineageCache()

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

    @functools.cached_property
    def data_digests(self) -> DigestCache:
        """Digests of the policies' data files, kept for the server's life: the sidebar asks
        for pending triggers again and again, and unchanged files are not read again.
        (Made on first use: core.lifecycle is not imported at start.)"""
        from ..core.lifecycle.data import DigestCache

        return DigestCache()

    @property
    def ui_url(self) -> str:
        """The MLflow UI that links go to: configured, or a running `jupyter-mlops ui` on this store."""
        return mlflow_ui.ui_url(self.settings)

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
        see core/lineage/index.py."""
        # Asked on every GET experiments (the sidebar polls it): usually nothing to do.
        experiments = self.lineage_cache.wanting_warmth(self.client, experiments)
        if not experiments or not self._warming.acquire(blocking=False):
            return

        def warm() -> None:
            from ..core.lineage import graph as lineage

            try:
                client = self.client
                started = time.perf_counter()
                built = self.lineage_cache.warm(client, experiments)
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
            "mlflow_version": store.mlflow_version(),
            "python_version": platform.python_version(),
            "tracking_uri": self.settings.display_uri,
            "embedded_store": self.settings.embedded,
            "ui_url": self.ui_url or None,
            "root": str(self.settings.root),
        }

    def experiments(self, include_internal: bool) -> dict:
        client = self.client
        found = store.all_experiments(client, order_by=["last_update_time DESC"])
        if not include_internal:
            found = [e for e in found if not e.name.startswith(serialize.INTERNAL_EXPERIMENT_PREFIX)]
        activity = store.experiment_activity(client, [e.experiment_id for e in found])
        rows = [serialize.experiment(e, activity[e.experiment_id]) for e in found]
        rows.sort(key=lambda row: row["last_activity"] or 0, reverse=True)
        self.warm_lineage([(row["experiment_id"], row["run_count"]) for row in rows
                           if row["run_count"] and not row["internal"]][:WARM_EXPERIMENTS])
        return {"experiments": rows}

    def runs(self, query: RunQuery) -> dict:
        runs, token = store.runs_page(self.client, query.experiment_id, query.filter_string, query.order_by,
                                      query.page_size, query.page_token, query.view)
        # NotFound when there is no such experiment: a 404, not an empty page.
        tags = self._experiment_tags([query.experiment_id], missing_ok=bool(runs or query.page_token))
        return {"runs": [serialize.run_summary(run, tags.get(query.experiment_id)) for run in runs],
                "next_page_token": token}

    def _experiment_tags(self, experiment_ids, missing_ok: bool = True) -> dict[str, dict]:
        """Tags of these experiments: they say where a renamed notebook is now."""
        found = {}
        for experiment_id in dict.fromkeys(experiment_ids):
            try:
                found[experiment_id] = dict(store.get_experiment(self.client, experiment_id).tags or {})
            except NotFound:
                if not missing_ok:
                    raise
        return found

    def run_detail(self, run_id: str) -> dict:
        run = store.get_run(self.client, run_id)
        listing = artifacts.list_tree(self.client, run_id)
        source = run.data.tags.get(names.CELL_SOURCE)
        if source is None or len(source) >= names.MAX_TAG_VALUE:
            # The tag holds a truncated copy; the artifact holds it whole.
            if any(entry["path"] == names.ARTIFACT_CELL for entry in listing):
                source = artifacts.read(self.client, run, names.ARTIFACT_CELL).get("content", source)
        tags = self._experiment_tags([run.info.experiment_id])
        from ..core.contracts.recorded import run_contracts  # contracts/ imports pandas: only when asked

        checked = run_contracts(self.client, run, listing)
        return serialize.run_detail(run, self.ui_url, listing, source, tags.get(run.info.experiment_id),
                                    checked)

    def metric_history(self, run_id: str, key: str, max_points: int) -> dict:
        run = store.get_run(self.client, run_id)
        if key not in run.data.metrics:
            raise not_found(f"Run {run_id} has no metric {key!r}.")
        history = store.metric_history(self.client, run_id, key)
        return serialize.metric_history(key, history, max_points)

    def compare(self, run_ids: list[str], metric: str | None, max_points: int) -> dict:
        """Several runs side by side, and one metric's histories, in one reply."""
        runs = stored_runs.get_runs(self.client, run_ids)
        if metric is not None and not any(metric in run.data.metrics for run in runs):
            raise not_found(f"None of these runs has a metric {metric!r}.")
        metric = metric or serialize.default_compare_metric(runs)
        histories = stored_runs.metric_histories(self.client, runs, metric) if metric else {}
        tags = self._experiment_tags([run.info.experiment_id for run in runs])
        return serialize.comparison(runs, metric, histories, max_points, tags)

    def list_artifacts(self, run_id: str, raw_path: str | None) -> dict:
        store.get_run(self.client, run_id)
        path = artifacts.clean_path(raw_path, allow_root=True)
        files = artifacts.list_dir(self.client, run_id, path)
        if path and not files:
            raise not_found(f"Run {run_id} has no artifact folder {path!r}.")
        return {"path": path, "files": files}

    def read_artifact(self, run_id: str, raw_path: str | None) -> dict:
        artifacts.clean_path(raw_path)  # refuse a bad path before touching the store
        return artifacts.read(self.client, store.get_run(self.client, run_id), raw_path)

