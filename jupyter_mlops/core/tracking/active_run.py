"""Make a journaled run MLflow's active run while tracked code runs, without waiting.

The run is created by the drainer in the background.  A lazy ``ActiveRun`` stands on
MLflow's (thread-local) active-run stack; only when the tracked code itself calls MLflow
(``mlflow.log_metric``, autolog, ...) does it wait for the drainer to hand over the run
id.  Code that never calls MLflow never waits.  If mlflow is imported only inside the
tracked code, an import hook puts the run in place right after the import.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Callable


def _lazy_run_class():
    from mlflow import MlflowClient
    from mlflow.entities import Run
    from mlflow.tracking.fluent import ActiveRun

    class LazyActiveRun(ActiveRun):
        def __init__(self, resolve_run_id: Callable[[], str], tracking_uri: str) -> None:
            # ActiveRun.__init__ wants a Run: fetch it only when first needed.
            self._resolve_run_id = resolve_run_id
            self._tracking_uri = tracking_uri
            self._run: Run | None = None

        def _fetch(self):
            if self._run is None:
                run_id = self._resolve_run_id()
                self._run = MlflowClient(self._tracking_uri).get_run(run_id)
            return self._run

        info = property(lambda self: self._fetch().info)
        data = property(lambda self: self._fetch().data)
        inputs = property(lambda self: self._fetch().inputs)
        outputs = property(lambda self: self._fetch().outputs)

    return LazyActiveRun


class _ActivateOnImport(importlib.abc.MetaPathFinder):
    """Runs ``callback`` once the ``mlflow`` package has finished importing."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback

    def find_spec(self, fullname, path, target=None):
        if fullname != "mlflow":
            return None
        sys.meta_path.remove(self)
        from importlib.util import find_spec

        spec = find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, callback = spec.loader, self.callback
        original_exec = loader.exec_module

        def exec_module(module):
            original_exec(module)
            callback()

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


class ActiveRunHandle:
    """Pushes a lazily resolved run on MLflow's active-run stack; ``close`` removes it."""

    def __init__(self, resolve_run_id: Callable[[], str], tracking_uri: str) -> None:
        self._resolve = resolve_run_id
        self._uri = tracking_uri
        self._run = None
        self._hook = None
        self.used_run_id: str | None = None  # set by close() when the tracked code used the run
        if "mlflow.tracking.fluent" in sys.modules:
            self._push()
        else:
            self._hook = _ActivateOnImport(self._push)
            sys.meta_path.insert(0, self._hook)

    def _push(self) -> None:
        from ..store.compat import active_run_stack

        stack = active_run_stack()
        if stack:  # the caller already has a run of its own: leave theirs active
            return
        self._run = _lazy_run_class()(self._resolve, self._uri)
        stack.append(self._run)

    @property
    def resolved(self) -> bool:
        return self._run is not None and self._run._run is not None

    def close(self) -> None:
        if self._hook is not None and self._hook in sys.meta_path:
            sys.meta_path.remove(self._hook)
        if self._run is None:
            return
        if self._run._run is not None:
            self.used_run_id = self._run._run.info.run_id
        from ..store.compat import active_run_stack

        stack = active_run_stack()
        if self._run in stack:  # the tracked code may have ended it itself
            stack.remove(self._run)
        self._run = None

    def logged_metrics(self) -> dict[str, float]:
        """The latest value of each metric the tracked code logged itself through MLflow
        (``mlflow.log_metric``, autolog); empty, and no store access, when it did not use MLflow."""
        if not self.used_run_id:
            return {}
        from ..store import client, run_or_none

        run = run_or_none(client(self._uri), self.used_run_id)
        return dict(run.data.metrics) if run is not None else {}
