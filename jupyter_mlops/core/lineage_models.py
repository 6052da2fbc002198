"""The registry half of a lineage graph: logged models, model versions, aliases and the
deployments recorded on versions (see core/lineage.py for the JSON shapes)."""

from __future__ import annotations

import json

from . import names


def model_id_of(version) -> str | None:
    """The LoggedModel behind a model version (the SQL registry keeps it only in ``source``)."""
    model_id = getattr(version, "model_id", None)
    if model_id:
        return model_id
    source = version.source or ""
    if source.startswith("models:/m-") and source.count("/") == 1:
        return source[len("models:/"):]
    return None


class ModelNodes:
    """Mixed into the lineage graph builder, which provides nodes, versions, _node and _edge."""

    def _add_versions(self, versions, aliases: dict) -> None:
        alias_cache = {}
        for mv in versions:
            if mv.name not in alias_cache:
                alias_cache[mv.name] = aliases if aliases else self._aliases(mv.name)
            pointing = sorted(a for a, v in alias_cache[mv.name].items() if str(v) == str(mv.version))
            node = f"model_version:{mv.name}/{mv.version}"
            model_id = model_id_of(mv)
            self._node(node, "model_version", f"{mv.name} v{mv.version}", name=mv.name, version=str(mv.version),
                       run_id=mv.run_id or None, model_id=model_id, aliases=pointing,
                       created=mv.creation_timestamp)
            if model_id:
                self._node(f"logged_model:{model_id}", "logged_model", f"model {model_id[:8]}",
                           model_id=model_id, run_id=mv.run_id or None)
                self._edge(f"logged_model:{model_id}", node, "registered")
                if mv.run_id:
                    self._edge(f"run:{mv.run_id}", f"logged_model:{model_id}", "logged")
            elif mv.run_id:
                self._edge(f"run:{mv.run_id}", node, "registered")
            if f"model:{mv.name}" in self.nodes:
                self._edge(node, f"model:{mv.name}", "version_of")
            for alias in pointing:
                self._node(f"alias:{mv.name}@{alias}", "alias", f"@{alias}", name=mv.name, alias=alias,
                           version=str(mv.version))
                self._edge(node, f"alias:{mv.name}@{alias}", "alias")

    def _aliases(self, name: str) -> dict:
        from mlflow.exceptions import MlflowException

        try:
            return dict(self.client.get_registered_model(name).aliases)
        except MlflowException:
            return {}

    def add_deployments(self, check_health: bool, timeout: float = 1.0) -> None:
        from . import serving
        from .deploy import Deployment, _check_health

        found = []
        for mv in self.versions:
            for key, value in (mv.tags or {}).items():
                if key.startswith(names.DEPLOYMENT_PREFIX):
                    try:
                        found.append(Deployment(**json.loads(value)))
                    except (TypeError, ValueError):
                        continue
        if check_health:
            _check_health(found, timeout)
        for d in found:
            if not check_health:
                d.status = "running" if serving.alive(d.pid, d.port) else "stopped"
            source = f"alias:{d.name}@{d.alias}" if d.alias and f"alias:{d.name}@{d.alias}" in self.nodes \
                else f"model_version:{d.name}/{d.version}"
            node = f"deployment:{d.name}:{d.port}"
            self._node(node, "deployment", d.endpoint, **d.to_dict())
            self._edge(source, node, "serves")
