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
    from .routes import handlers
    from .service import MLOpsService

    root = os.environ.get(ENV_ROOT) or server_app.root_dir
    settings = resolve(MLOps(config=server_app.config), root=root)
    export_to_environment(settings)
    service = MLOpsService(settings)
    web_app = server_app.web_app
    web_app.settings[SERVICE_KEY] = service
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))
    service.warm_up()
    server_app.log.info(
        "jupyter-mlops: serving /jupyter-mlops/api/ over %s", settings.display_uri
    )
