"""The registry half of a lineage graph: logged models, model versions, aliases and the
deployments recorded on versions (see core/lineage/graph.py for the JSON shapes), and
each deployment's latest drift check (and its latest alert, when that is an earlier run)::

    {"id": "run:<check run>", "kind": "run", "label": "drift check ok" | "drift alert", "monitor": "ok" | "alert",
     "drifted": ["age"], "window": "10000 rows", "version": "3", ...the fields of every run node...}
    edge: deployment -> check run   "monitored"
"""

from __future__ import annotations

import json

from .. import names, store


def model_id_of(version) -> str | None:
    """The LoggedModel behind a model version (the SQL registry keeps it only in ``source``)."""
    model_id = getattr(version, "model_id", None)
    if model_id:
        return model_id
    source = version.source or ""
    if source.startswith("models:/m-") and source.count("/") == 1:
        return source[len("models:/"):]
    return None


class Canvas:
    """The nodes and edges of a graph being drawn, each added once (the first wins)."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict] = {}
        self.edges: dict[tuple[str, str, str], dict] = {}

    def node(self, node_id: str, kind: str, label: str, **fields) -> None:
        if node_id not in self.nodes:
            self.nodes[node_id] = {"id": node_id, "kind": kind, "label": label, **fields}

    def edge(self, source: str, target: str, kind: str, **fields) -> None:
        self.edges.setdefault((source, target, kind), {"source": source, "target": target, "kind": kind, **fields})


class ModelNodes:
    """Draws model versions, their logged models, aliases and deployments on a canvas."""

    def __init__(self, client, canvas: Canvas) -> None:
        self.client = client
        self.canvas = canvas

    def add_versions(self, versions, aliases: dict) -> None:
        alias_cache = {}
        for mv in versions:
            if mv.name not in alias_cache:
                alias_cache[mv.name] = aliases if aliases else self._aliases(mv.name)
            pointing = sorted(a for a, v in alias_cache[mv.name].items() if str(v) == str(mv.version))
            node = f"model_version:{mv.name}/{mv.version}"
            model_id = model_id_of(mv)
            self.canvas.node(node, "model_version", f"{mv.name} v{mv.version}", name=mv.name, version=str(mv.version),
                       run_id=mv.run_id or None, model_id=model_id, aliases=pointing,
                       created=mv.creation_timestamp)
            if model_id:
                self.canvas.node(f"logged_model:{model_id}", "logged_model", f"model {model_id[:8]}",
                           model_id=model_id, run_id=mv.run_id or None)
                self.canvas.edge(f"logged_model:{model_id}", node, "registered")
                if mv.run_id:
                    self.canvas.edge(f"run:{mv.run_id}", f"logged_model:{model_id}", "logged")
            elif mv.run_id:
                self.canvas.edge(f"run:{mv.run_id}", node, "registered")
            if f"model:{mv.name}" in self.canvas.nodes:
                self.canvas.edge(node, f"model:{mv.name}", "version_of")
            for alias in pointing:
                self.canvas.node(f"alias:{mv.name}@{alias}", "alias", f"@{alias}", name=mv.name, alias=alias,
                           version=str(mv.version))
                self.canvas.edge(node, f"alias:{mv.name}@{alias}", "alias")

    def _aliases(self, name: str) -> dict:
        registered = store.registered_model_or_none(self.client, name)
        return {} if registered is None else dict(registered.aliases)

    def add_deployments(self, versions, check_health: bool, timeout: float = 1.0) -> None:
        from ..models import serving
        from ..models.deploy import Deployment, _check_health

        found = []
        for mv in versions:
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
            source = f"alias:{d.name}@{d.alias}" if d.alias and f"alias:{d.name}@{d.alias}" in self.canvas.nodes \
                else f"model_version:{d.name}/{d.version}"
            node = f"deployment:{d.name}:{d.port}"
            self.canvas.node(node, "deployment", d.endpoint, **d.to_dict())
            self.canvas.edge(source, node, "serves")
        self.add_checks(found)

    def add_checks(self, deployments) -> None:
        """Link each deployment to its latest monitoring check run (core/monitoring/check.py
        tags it with the deployment's ref and port) and to its latest alert."""
        experiments: dict[str, str | None] = {}
        for d in deployments:
            if d.name not in experiments:
                found = self.client.get_experiment_by_name(names.MONITORING_EXPERIMENT.format(name=d.name))
                experiments[d.name] = found.experiment_id if found is not None else None
            experiment = experiments[d.name]
            if experiment is None:
                continue
            clauses = [store.equals(store.tag(names.KIND), names.KIND_MONITOR),
                       store.equals(store.tag(names.MONITOR_DEPLOYMENT), d.ref),
                       store.equals(store.tag(names.MONITOR_PORT), str(d.port))]
            latest = store.find_run(self.client, [experiment], *clauses)
            if latest is None:
                continue
            self._check(f"deployment:{d.name}:{d.port}", latest)
            if latest.data.tags.get(names.MONITOR_STATUS) != names.MONITOR_ALERT:
                alert = store.find_run(self.client, [experiment], *clauses,
                                       store.equals(store.tag(names.MONITOR_STATUS), names.MONITOR_ALERT))
                if alert is not None:
                    self._check(f"deployment:{d.name}:{d.port}", alert)

    def _check(self, deployment_node: str, run) -> None:
        info, tags = run.info, run.data.tags
        status = tags.get(names.MONITOR_STATUS, "ok")
        try:
            drifted = json.loads(tags.get(names.MONITOR_DRIFTED) or "[]")
        except ValueError:  # cut at the tag limit
            drifted = []
        node = f"run:{info.run_id}"
        self.canvas.node(node, "run", "drift alert" if status == names.MONITOR_ALERT else f"drift check {status}",
                         run_id=info.run_id, experiment_id=info.experiment_id, status=info.status,
                         start_time=info.start_time, end_time=info.end_time, notebook=None, cell_id=None,
                         monitor=status, drifted=drifted if isinstance(drifted, list) else [],
                         window=tags.get(names.MONITOR_WINDOW), version=tags.get(names.MONITOR_VERSION))
        self.canvas.edge(deployment_node, node, "monitored")
