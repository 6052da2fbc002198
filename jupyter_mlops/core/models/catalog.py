"""Registered models and their versions as plain JSON, for the REST API and the CLI.

``list_models(client, name_contains="", max_results=100, page_token=None)``::

    {"models": [{"name": "churn", "description": "", "aliases": {"champion": "3"},
                 "latest_version": "3", "created": 1763900000000, "updated": 1763900000000,
                 "tags": {}}],
     "next_page_token": null}

``model_detail(client, name)`` (raises :class:`ModelNotFound`)::

    {"name": "churn", "description": "", "aliases": {"champion": "3"}, "created": ..., "updated": ...,
     "tags": {}, "versions": [            # newest first
        {"version": "3", "status": "READY", "run_id": "..." | null, "model_id": "m-..." | null,
         "source": "models:/m-...", "created": 1763900000000, "description": "",
         "aliases": ["champion"], "tags": {...},  # without the deployment records
         "lineage": {"variable": "model", "flavor": "sklearn", "notebook": "churn.ipynb",
                     "cell_id": "...", "gate": "metrics.accuracy >= 0.9" | null,
                     "datasets": [{"name": "X", "digest": "...", "role": "input"}]},
         "deployments": [ ...deploy.list_deployments() items, status "unknown" (not checked)... ]}]}
"""

from __future__ import annotations

import json

from .. import names, store
from ..errors import NotFound
from ..lineage.model_nodes import model_id_of


class ModelNotFound(NotFound):
    """No registered model of that name."""


def list_models(client, name_contains: str = "", max_results: int = 100, page_token: str | None = None) -> dict:
    if isinstance(client, str):
        client = store.client(client)
    # ILIKE's wildcards (% and _) may over-match: keep exact substring matches only.
    page = client.search_registered_models(
        filter_string=store.contains("name", name_contains).text if name_contains else None,
        max_results=max_results, page_token=page_token, order_by=["name ASC"])
    wanted = name_contains.lower()
    token = page.token.decode() if isinstance(page.token, bytes) else page.token
    return {"models": [_model(m) for m in page if wanted in m.name.lower()], "next_page_token": token or None}


def model_detail(client, name: str, max_versions: int = 1000) -> dict:
    if isinstance(client, str):
        client = store.client(client)
    registered = store.registered_model_or_none(client, name)
    if registered is None:
        raise ModelNotFound(f"No registered model {name!r}.")
    versions = store.model_versions(client, store.equals("name", name), limit=max_versions,
                                    order_by=["version_number DESC"])
    aliases = {a: str(v) for a, v in registered.aliases.items()}
    detail = _model(registered)
    detail["versions"] = [_version(v, aliases) for v in versions]
    return detail


def _model(m) -> dict:
    latest = max((int(v.version) for v in m.latest_versions or []), default=None)
    return {"name": m.name, "description": m.description or "",
            "aliases": {a: str(v) for a, v in m.aliases.items()},
            "latest_version": str(latest) if latest is not None else None,
            "created": m.creation_timestamp, "updated": m.last_updated_timestamp, "tags": dict(m.tags or {})}


def _version(v, aliases: dict) -> dict:
    from .deploy import Deployment

    tags = dict(v.tags or {})
    deployments = []
    for key in [k for k in tags if k.startswith(names.DEPLOYMENT_PREFIX)]:
        try:
            deployments.append(Deployment(**json.loads(tags.pop(key))).to_dict())
        except (TypeError, ValueError):
            continue
    tags.pop(names.DEPLOYMENTS, None)
    try:
        datasets = json.loads(tags.get(names.MODEL_DATASETS) or "[]")
    except ValueError:
        datasets = []
    return {
        "version": str(v.version), "status": v.status, "run_id": v.run_id or None, "model_id": model_id_of(v),
        "source": v.source, "created": v.creation_timestamp, "description": v.description or "",
        "aliases": sorted(a for a, n in aliases.items() if n == str(v.version)), "tags": tags,
        "lineage": {"variable": tags.get(names.MODEL_VARIABLE), "flavor": tags.get(names.MODEL_FLAVOR),
                    "notebook": tags.get(names.NOTEBOOK), "cell_id": tags.get(names.CELL_ID),
                    "gate": tags.get(names.MODEL_GATE), "datasets": datasets},
        "deployments": deployments,
    }
