"""The Jupyter server extension: the sidebar's REST API over the one MLflow store.

``pip install`` enables it (jupyter-config/server-config/jupyter_mlops.json).  At load it
resolves the store exactly as the kernel does and exports it to the environment, so every
kernel this server starts tracks into the store the sidebar reads.
"""

from __future__ import annotations

import os

from ..core.config import ENV_ROOT, MLOps, export_to_environment, resolve

SERVICE_KEY = "jupyter_mlops.service"


def load_jupyter_server_extension(server_app) -> None:
    from ..core.monitoring.settings import Monitoring
    from .monitoring import MONITORING_KEY, MonitoringSchedule
    from .notebook_events import NotebookFollower
    from .routes import handlers
    from .service import MLOpsService
    from .watch_schedule import WATCH_KEY, Lifecycle, WatchSchedule

    root = os.environ.get(ENV_ROOT) or server_app.root_dir
    settings = resolve(MLOps(config=server_app.config), root=root)
    export_to_environment(settings)
    service = MLOpsService(settings)
    web_app = server_app.web_app
    web_app.settings[SERVICE_KEY] = service
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))
    service.warm_up()
    NotebookFollower(server_app, service).register()  # renamed notebooks keep their runs
    # c.Monitoring.check_interval_seconds: the drift check of every live deployment (0: off)
    schedule = MonitoringSchedule(settings.tracking_uri, Monitoring(config=server_app.config))
    web_app.settings[MONITORING_KEY] = schedule
    schedule.start(server_app.io_loop)
    # c.Lifecycle.watch_interval_seconds: evaluate every policy's triggers (0, the default: off)
    watch = WatchSchedule(settings.root, settings.tracking_uri, settings.state_dir,
                          Lifecycle(config=server_app.config))
    web_app.settings[WATCH_KEY] = watch
    watch.start()
    server_app.log.info(
        "jupyter-mlops: serving /jupyter-mlops/api/ over %s", settings.display_uri
    )
