"""The server extension's lifecycle watcher: ``core.lifecycle.Watcher.tick()`` on a schedule.

``c.Lifecycle.watch_interval_seconds`` (0, off, by default; 60 is a sensible value) makes
the Jupyter server evaluate every ``policies/*.yaml`` under its root that often, as
``jupyter-mlops watch`` does: drift alerts, schedule slots and changed data start a
retraining (deduplicated by data fingerprint), audited in ``promotions/<model>``.  Off by
default because a retraining runs the policy's notebook pipeline on this machine.

The passes run on their own daemon thread (``Watcher.run``), never on the IO loop or the
request pool; retrainings run on the watcher's own threads.
"""

from __future__ import annotations

import logging
import threading

from traitlets import Float
from traitlets.config import Configurable

logger = logging.getLogger(__name__)
WATCH_KEY = "jupyter_mlops.watch"


class Lifecycle(Configurable):
    """Settings of the server extension's lifecycle watcher."""

    watch_interval_seconds = Float(0.0, help="Evaluate the triggers of every policies/*.yaml this often "
                                   "(seconds; 0 turns the watcher off, 60 is a sensible value).").tag(config=True)


class WatchSchedule:
    """Runs a ``Watcher`` every ``interval`` seconds on one daemon thread."""

    def __init__(self, root, tracking_uri: str, state_dir, settings: Lifecycle):
        self.root, self.tracking_uri, self.state_dir = root, tracking_uri, state_dir
        self.interval = float(settings.watch_interval_seconds or 0)
        self.started: list[dict] = []  # the retrainings the watcher started
        self.watcher = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    def start(self) -> None:
        if not self.enabled or self._thread is not None:
            return
        from ..core.lifecycle.watch import Watcher

        self.watcher = Watcher(root=self.root, tracking_uri=self.tracking_uri, state_dir=self.state_dir)
        self._thread = threading.Thread(target=self.watcher.run, args=(self._stop, self.interval, self._report),
                                        daemon=True, name="jupyter-mlops-watch")
        self._thread.start()
        logger.info("jupyter-mlops: watching policies/*.yaml under %s every %.0f s", self.root, self.interval)

    def _report(self, begun: list[dict]) -> None:
        self.started.extend(begun)
        for item in begun:
            logger.warning("jupyter-mlops: %s trigger started a retraining of %s (decision run %s)",
                           item["trigger"], item["model"], item["triggered_run"])

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
