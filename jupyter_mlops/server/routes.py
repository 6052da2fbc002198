"""The route table: one flat list under ``<base_url>/jupyter-mlops/api/``."""

from __future__ import annotations

from jupyter_server.utils import url_path_join

from .base import NotFoundHandler
from .export_handlers import ExportHandler
from .handlers import (
    ArtifactListHandler,
    ArtifactReadHandler,
    CompareHandler,
    ExperimentsHandler,
    MetricHistoryHandler,
    RunHandler,
    RunsHandler,
    SettingsHandler,
)
from .lifecycle_handlers import PromotionsHandler
from .model_handlers import DeploymentsHandler, LineageHandler, ModelHandler, ModelsHandler
from .monitoring import DeploymentMonitoringHandler

NAMESPACE = "jupyter-mlops/api"
_RUN = r"runs/(?P<run_id>[^/]+)"

ROUTES = [
    ("settings", SettingsHandler),
    ("experiments", ExperimentsHandler),
    ("runs", RunsHandler),
    (_RUN, RunHandler),
    (_RUN + r"/metrics/(?P<key>.+)", MetricHistoryHandler),
    (_RUN + r"/artifacts", ArtifactListHandler),
    (_RUN + r"/artifact", ArtifactReadHandler),
    ("compare", CompareHandler),
    ("lineage", LineageHandler),
    ("models", ModelsHandler),
    (r"models/(?P<name>[^/]+)", ModelHandler),
    (r"models/(?P<name>[^/]+)/promotions", PromotionsHandler),
    ("deployments", DeploymentsHandler),
    (r"deployments/(?P<id>[^/]+)/monitoring", DeploymentMonitoringHandler),
    ("export", ExportHandler),
]


def handlers(base_url: str) -> list[tuple[str, type]]:
    table = [(url_path_join(base_url, NAMESPACE, pattern) + "/?", handler) for pattern, handler in ROUTES]
    table.append((url_path_join(base_url, NAMESPACE, r"(?P<rest>.*)"), NotFoundHandler))
    return table
