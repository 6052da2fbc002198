"""Lineage graph: datasets (by fingerprint) -> runs -> logged models -> model versions ->
aliases -> deployments, with run -> run edges where one run read a fingerprint another wrote.

``lineage_graph(client, run_id=None, model=None, check_health=False, health_timeout=1.0)``
(client: an ``MlflowClient`` or a tracking URI; model: ``NAME``, ``NAME@ALIAS`` or
``NAME/VERSION``; raises :class:`LineageError`, a ValueError, for an unknown run or model)
returns plain JSON::

    {"root": {"kind": "run" | "model", "id": "<node id>"}, "truncated": false,
     "nodes": [
       {"id": "dataset:<digest>", "kind": "dataset", "label": "train", "digest": "...", "names": ["train"]},
       {"id": "run:<run_id>", "kind": "run", "label": "churn [4]", "run_id": "...", "experiment_id": "1",
        "status": "FINISHED", "start_time": 1763900000000, "end_time": ..., "notebook": "churn.ipynb",
        "cell_id": "..."},
       {"id": "logged_model:<model_id>", "kind": "logged_model", "label": "model m-1a2b3c", "model_id": "m-...",
        "run_id": "..."},
       {"id": "model_version:churn/3", "kind": "model_version", "label": "churn v3", "name": "churn",
        "version": "3", "run_id": "..." | null, "model_id": "m-..." | null, "aliases": ["champion"],
        "created": 1763900000000},
       {"id": "model:churn", "kind": "registered_model", "label": "churn", "name": "churn",
        "aliases": {"champion": "3"}, "description": ""},          # model lineage only
       {"id": "alias:churn@champion", "kind": "alias", "label": "@champion", "name": "churn",
        "alias": "champion", "version": "3"},
       {"id": "deployment:churn:5001", "kind": "deployment", "label": "http://127.0.0.1:5001",
        ... every field of a deploy.list_deployments() item; without check_health, "status"
        is "running" or "stopped" from the process alone (no HTTP) ...}],
     "edges": [{"source": "<node id>", "target": "<node id>", "kind": "input" | "output" | "feeds" |
                "logged" | "registered" | "version_of" | "alias" | "serves" | "exported",
               "digest": "..." (feeds only)}]}
  ("exported": notebook cell run -> the pipeline step run made from that cell)

Upstream, each dataset a run read is linked to the latest run that wrote that
fingerprint before it (searched in all experiments); downstream of a run, the runs that
read what it wrote (found in any experiment for the run's own outputs, then in the
experiments indexed so far).  Runs come from :mod:`lineage_index`, so a warm call costs
a few small queries; the first call for an experiment loads all its runs (~1 s per
1,000 runs on SQLite).  Thread-safe; blocking (run it in an executor on a server).
"""

from __future__ import annotations

import threading
import time

from . import names, store
from .lineage_index import ExperimentIndex, RunSummary, experiment_index, summarize
from .lineage_models import ModelNodes, model_id_of  # noqa: F401 - model_id_of is public here too


class LineageError(ValueError):
    """Unknown run or model."""


def lineage_graph(client, run_id: str | None = None, model: str | None = None, *, check_health: bool = False,
                  health_timeout: float = 1.0, max_runs: int = 5000) -> dict:
    if isinstance(client, str):
        client = store.client(client)
    if bool(run_id) == bool(model):
        raise LineageError("Give either a run id or a model (NAME, NAME@ALIAS or NAME/VERSION).")
    graph = _Graph(client, max_runs)
    with _building:  # the indexes are shared between threads (the server's handlers)
        if run_id:
            graph.from_run(run_id)
        else:
            graph.from_model(model)
    graph.add_deployments(check_health, health_timeout)
    return graph.result()


def prime(client) -> None:
    """Run once each query a graph makes, on values that match nothing.  MLflow's first
    use of a query shape (SQL compilation, the registry store) costs more than a warm
    walk; a long-lived process pays it here, in the background, not in a request."""
    from mlflow.exceptions import MlflowException

    nothing = "0" * 32
    experiments = [e.experiment_id for e in client.search_experiments(max_results=1000)]
    client.search_runs(experiments, filter_string=f"datasets.digest IN ('{nothing}')", max_results=1)
    client.search_model_versions(f"run_id IN ('{nothing}')", max_results=1)
    client.search_model_versions(f"name = '{nothing}'", max_results=1)
    try:
        client.get_registered_model(nothing)
    except MlflowException:
        pass  # the expected answer: only the query was wanted


_building = threading.RLock()
# (store, digest) -> when a search across all experiments found no run that wrote it
_unproduced: dict[tuple[str, str], float] = {}
UNPRODUCED_TTL = 60.0


def _recently_unproduced(uri: str, digest: str) -> bool:
    checked = _unproduced.get((uri, digest))
    return checked is not None and time.monotonic() - checked < UNPRODUCED_TTL


class _Graph(ModelNodes):
    def __init__(self, client, max_runs: int) -> None:
        self.client = client
        self.max_runs = max_runs
        self.nodes: dict[str, dict] = {}
        self.edges: dict[tuple[str, str, str], dict] = {}
        self.indexes: dict[str, ExperimentIndex] = {}
        self.root: dict = {}
        self.truncated = False
        self.versions: list = []

    # -- entry points -------------------------------------------------------------------------
    def from_run(self, run_id: str) -> None:
        from mlflow.exceptions import MlflowException

        try:
            run = self.client.get_run(run_id)
        except MlflowException:
            raise LineageError(f"No run {run_id!r} in this tracking store.") from None
        index = self._index(run.info.experiment_id)
        seed = index.runs.get(run_id)
        if seed is None:  # created after the index refreshed
            index._add(summarize(run))
            seed = index.runs[run_id]
        self.root = {"kind": "run", "id": f"run:{run_id}"}
        self._run_node(seed)
        self._walk_upstream([seed])
        self._walk_downstream(seed)
        ids = [n["run_id"] for n in self.nodes.values() if n["kind"] == "run"]
        for start in range(0, len(ids), 100):
            quoted = ", ".join(f"'{r}'" for r in ids[start : start + 100])
            self.versions.extend(self.client.search_model_versions(f"run_id IN ({quoted})", max_results=1000))
        self._add_versions(self.versions, {})

    def from_model(self, model: str) -> None:
        from mlflow.exceptions import MlflowException

        from .deploy import DeployError, parse_ref, resolve_version

        try:
            name, alias, version = parse_ref(model)
        except DeployError as exc:
            raise LineageError(str(exc)) from None
        try:
            registered = self.client.get_registered_model(name)
        except MlflowException:
            raise LineageError(f"No registered model {name!r}.") from None
        if alias or version:
            try:
                self.versions = [resolve_version(self.client, model)[0]]
            except DeployError as exc:
                raise LineageError(str(exc)) from None
        else:
            escaped = name.replace("'", "\\'")
            self.versions = list(self.client.search_model_versions(f"name = '{escaped}'", max_results=1000))
        self.root = {"kind": "model", "id": f"model:{name}"}
        self._node(f"model:{name}", "registered_model", name, name=name, aliases=dict(registered.aliases),
                   description=registered.description or "")
        seeds = []
        for mv in self.versions:
            if mv.run_id:
                summary = self._find_run(mv.run_id)
                if summary is not None:
                    self._run_node(summary)
                    seeds.append(summary)
        self._walk_upstream(seeds)
        self._add_versions(self.versions, dict(registered.aliases))

    # -- runs and datasets ------------------------------------------------------------------------
    def _index(self, experiment_id: str) -> ExperimentIndex:
        if experiment_id not in self.indexes:
            self.indexes[experiment_id] = experiment_index(self.client, experiment_id)
        return self.indexes[experiment_id]

    def _find_run(self, run_id: str) -> RunSummary | None:
        for index in self.indexes.values():
            if run_id in index.runs:
                return index.runs[run_id]
        from mlflow.exceptions import MlflowException

        try:
            run = self.client.get_run(run_id)
        except MlflowException:
            return None
        return self._index(run.info.experiment_id).runs.get(run_id)

    def _producer(self, digest: str, before: RunSummary) -> RunSummary | None:
        best = None
        for index in self.indexes.values():
            for run_id in index.producers.get(digest, ()):
                candidate = index.runs[run_id]
                if candidate.run_id == before.run_id or candidate.start_time > before.start_time:
                    continue
                if best is None or candidate.start_time > best.start_time:
                    best = candidate
        return best

    def _walk_upstream(self, frontier: list[RunSummary]) -> None:
        seen = {s.run_id for s in frontier}
        searched: set[str] = set()
        while frontier:
            missing = {d for s in frontier for d in s.inputs if not self._producer(d, s)} - searched
            missing = {d for d in missing if not _recently_unproduced(self.client.tracking_uri, d)}
            if missing:
                searched |= missing
                self._index_experiments_producing(missing)
                for digest in missing:  # data read from files: no run wrote it; do not ask every time
                    if not any(digest in index.producers for index in self.indexes.values()):
                        _unproduced[(self.client.tracking_uri, digest)] = time.monotonic()
            next_frontier = []
            for summary in frontier:
                for digest, dataset_name in summary.inputs.items():
                    self._dataset_node(digest, dataset_name)
                    self._edge(f"dataset:{digest}", f"run:{summary.run_id}", "input")
                    producer = self._producer(digest, summary)
                    if producer is None:
                        continue
                    self._run_node(producer)
                    self._edge(f"run:{producer.run_id}", f"dataset:{digest}", "output")
                    self._edge(f"run:{producer.run_id}", f"run:{summary.run_id}", "feeds", digest=digest)
                    if producer.run_id not in seen:
                        seen.add(producer.run_id)
                        next_frontier.append(producer)
                origin = self._find_run(summary.source_run) if summary.source_run else None
                if origin is not None:  # a pipeline step: lineage joins the notebook's
                    self._run_node(origin)
                    self._edge(f"run:{origin.run_id}", f"run:{summary.run_id}", "exported")
                    if origin.run_id not in seen:
                        seen.add(origin.run_id)
                        next_frontier.append(origin)
            if len(seen) >= self.max_runs:
                self.truncated = bool(next_frontier)
                return
            frontier = next_frontier

    def _walk_downstream(self, seed: RunSummary) -> None:
        # Readers in other experiments (another notebook) of what the seed wrote: one search.
        if seed.outputs:
            self._index_experiments_producing(set(seed.outputs))
        frontier, seen = [seed], {seed.run_id}
        while frontier and len(seen) < self.max_runs:
            next_frontier = []
            for summary in frontier:
                for digest, dataset_name in summary.outputs.items():
                    self._dataset_node(digest, dataset_name)
                    self._edge(f"run:{summary.run_id}", f"dataset:{digest}", "output")
                    for index in list(self.indexes.values()):
                        for consumer_id in index.consumers.get(digest, ()):
                            consumer = index.runs[consumer_id]
                            producer = self._producer(digest, consumer)
                            if producer is None or producer.run_id != summary.run_id:
                                continue
                            self._run_node(consumer)
                            self._edge(f"dataset:{digest}", f"run:{consumer_id}", "input")
                            self._edge(f"run:{summary.run_id}", f"run:{consumer_id}", "feeds", digest=digest)
                            if consumer_id not in seen:
                                seen.add(consumer_id)
                                next_frontier.append(consumer)
            frontier = next_frontier
        self.truncated = self.truncated or bool(frontier)

    def _index_experiments_producing(self, digests: set[str]) -> None:
        """Index the experiments holding runs that read or wrote these fingerprints (one query)."""
        experiments = [e.experiment_id for e in self.client.search_experiments(max_results=1000)
                       if e.experiment_id not in self.indexes and e.name != names.ENVIRONMENTS_EXPERIMENT]
        digest_list = sorted(digests)
        for start in range(0, len(digest_list), 100):
            if not experiments:
                return
            quoted = ", ".join(f"'{d}'" for d in digest_list[start : start + 100])
            for run in self.client.search_runs(experiments, filter_string=f"datasets.digest IN ({quoted})",
                                               max_results=1000):
                if run.info.experiment_id not in self.indexes:
                    self._index(run.info.experiment_id)
                    experiments.remove(run.info.experiment_id)

    # -- plumbing ----------------------------------------------------------------------------------
    def _run_node(self, s: RunSummary) -> None:
        self._node(f"run:{s.run_id}", "run", s.name, run_id=s.run_id, experiment_id=s.experiment_id,
                   status=s.status, start_time=s.start_time, end_time=s.end_time, notebook=s.notebook,
                   cell_id=s.cell_id)
        for model_id in s.model_ids:
            self._node(f"logged_model:{model_id}", "logged_model", f"model {model_id[:8]}", model_id=model_id,
                       run_id=s.run_id)
            self._edge(f"run:{s.run_id}", f"logged_model:{model_id}", "logged")

    def _dataset_node(self, digest: str, dataset_name: str) -> None:
        node = self.nodes.get(f"dataset:{digest}")
        if node is None:
            self._node(f"dataset:{digest}", "dataset", dataset_name, digest=digest, names=[dataset_name])
        elif dataset_name not in node["names"]:
            node["names"].append(dataset_name)

    def _node(self, node_id: str, kind: str, label: str, **fields) -> None:
        if node_id not in self.nodes:
            self.nodes[node_id] = {"id": node_id, "kind": kind, "label": label, **fields}

    def _edge(self, source: str, target: str, kind: str, **fields) -> None:
        self.edges.setdefault((source, target, kind), {"source": source, "target": target, "kind": kind, **fields})

    def result(self) -> dict:
        return {"root": self.root, "truncated": self.truncated, "nodes": list(self.nodes.values()),
                "edges": list(self.edges.values())}
