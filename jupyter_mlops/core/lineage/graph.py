"""Lineage graph: datasets (by fingerprint) -> runs -> logged models -> model versions ->
aliases -> deployments, with run -> run edges where one run read a fingerprint another wrote.

``lineage_graph(client, run_id=None, model=None, check_health=False, health_timeout=1.0, cache=None)``
(client: an ``MlflowClient`` or a tracking URI; model: ``NAME``, ``NAME@ALIAS`` or
``NAME/VERSION``; cache: the caller's :class:`~.index.LineageCache`, else a fresh one;
raises :class:`LineageError`, a ValueError, for an unknown run or model) returns plain JSON::

    {"root": {"kind": "run" | "model", "id": "<node id>"}, "truncated": false,
     "nodes": [
       {"id": "dataset:<digest>", "kind": "dataset", "label": "train", "digest": "...", "names": ["train"],
        "contracts": [{"name": "train", "status": "passed" | "failed", "run_id": "..."}],
        "contract_failed": false},   # a run in the graph checked this data (%%track --expect) and it failed
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
                "logged" | "registered" | "version_of" | "alias" | "serves" | "exported" |
                "triggered" | "retrained_on" | "caused" | "monitored",
               "digest": "..." (feeds only)}]}
  ("exported": notebook cell run -> the pipeline step run made from that cell; a retrained
  version's trigger decision and data: see core/lineage/retrain_nodes.py; "monitored": a
  deployment -> its latest drift check run and latest alert run, see core/lineage/model_nodes.py)

Upstream, each dataset a run read is linked to the latest run that wrote that
fingerprint before it (searched in all experiments); downstream of a run, the runs that
read what it wrote (found in any experiment for the run's own outputs, then in the
experiments indexed so far).  Runs come from the indexes of :mod:`.index`, kept in the
``cache`` its owner passes (the server's service, a kernel's session), so a warm call
costs a few small queries; the first call for an experiment loads all its runs (~1 s per
1,000 runs on SQLite).  Thread-safe; blocking (run it in an executor on a server).
"""

from __future__ import annotations

from .. import names, store
from ..errors import InvalidInput, NotFound
from .index import ExperimentIndex, LineageCache, RunSummary, summarize
from .model_nodes import Canvas, ModelNodes, model_id_of  # noqa: F401 - model_id_of is public here too
from .retrain_nodes import add_retrainings


class LineageError(InvalidInput):
    """A request for a graph that cannot be drawn (no run or model given, a bad reference)."""


class LineageNotFound(LineageError, NotFound):
    """No such run, registered model, alias or version."""

    default_code = "not_found"


def lineage_graph(client, run_id: str | None = None, model: str | None = None, *, check_health: bool = False,
                  health_timeout: float = 1.0, max_runs: int = 5000, cache: LineageCache | None = None) -> dict:
    if isinstance(client, str):
        client = store.client(client)
    if bool(run_id) == bool(model):
        raise LineageError("Give either a run id or a model (NAME, NAME@ALIAS or NAME/VERSION).")
    cache = LineageCache() if cache is None else cache
    graph = _Graph(client, max_runs, cache)
    with cache.building:  # the indexes are shared between threads (the server's handlers)
        if run_id:
            graph.from_run(run_id)
        elif model:
            graph.from_model(model)
    graph.registry.add_deployments(graph.versions, check_health, health_timeout)
    add_retrainings(client, graph.canvas, graph.versions)
    return graph.result()


def prime(client) -> None:
    """Run once each query a graph makes, on values that match nothing.  MLflow's first
    use of a query shape (SQL compilation, the registry store) costs more than a warm
    walk; a long-lived process pays it here, in the background, not in a request.  It
    keeps nothing of ours: what warms up is MLflow's own state, so it takes no cache."""
    nothing = "0" * 32
    experiments = [e.experiment_id for e in store.all_experiments(client)]
    next(store.iter_runs(client, experiments, store.one_of("datasets.digest", [nothing]), limit=1), None)
    store.model_versions(client, store.one_of("run_id", [nothing]), limit=1)
    store.model_versions(client, store.equals("name", nothing), limit=1)
    store.registered_model_or_none(client, nothing)  # None: only the query was wanted


class _Graph:
    def __init__(self, client, max_runs: int, cache: LineageCache) -> None:
        self.client = client
        self.max_runs = max_runs
        self.cache = cache
        self.canvas = Canvas()
        self.nodes = self.canvas.nodes
        self.registry = ModelNodes(client, self.canvas)
        self.indexes: dict[str, ExperimentIndex] = {}
        self.root: dict = {}
        self.truncated = False
        self.versions: list = []
        self.summaries: dict[str, RunSummary] = {}  # the run nodes' summaries

    # -- entry points -------------------------------------------------------------------------
    def from_run(self, run_id: str) -> None:
        run = store.run_or_none(self.client, run_id)
        if run is None:
            raise LineageNotFound(f"No run {run_id!r} in this tracking store.")
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
            self.versions.extend(store.model_versions(self.client, store.one_of("run_id", ids[start : start + 100])))
        self.registry.add_versions(self.versions, {})

    def from_model(self, model: str) -> None:
        from ..models.deploy import DeployError, DeployTargetNotFound, parse_ref, resolve_version

        try:
            name, alias, version = parse_ref(model)
        except DeployError as exc:
            raise LineageError(str(exc)) from None
        registered = store.registered_model_or_none(self.client, name)
        if registered is None:
            raise LineageNotFound(f"No registered model {name!r}.")
        if alias or version:
            try:
                self.versions = [resolve_version(self.client, model)[0]]
            except DeployTargetNotFound as exc:
                raise LineageNotFound(str(exc)) from None
            except DeployError as exc:
                raise LineageError(str(exc)) from None
        else:
            self.versions = store.model_versions(self.client, store.equals("name", name))
        self.root = {"kind": "model", "id": f"model:{name}"}
        self.canvas.node(f"model:{name}", "registered_model", name, name=name, aliases=dict(registered.aliases),
                   description=registered.description or "")
        seeds = []
        for mv in self.versions:
            if mv.run_id:
                summary = self._find_run(mv.run_id)
                if summary is not None:
                    self._run_node(summary)
                    seeds.append(summary)
        self._walk_upstream(seeds)
        self.registry.add_versions(self.versions, dict(registered.aliases))

    # -- runs and datasets ------------------------------------------------------------------------
    def _index(self, experiment_id: str) -> ExperimentIndex:
        if experiment_id not in self.indexes:
            self.indexes[experiment_id] = self.cache.index(self.client, experiment_id)
        return self.indexes[experiment_id]

    def _find_run(self, run_id: str) -> RunSummary | None:
        for index in self.indexes.values():
            if run_id in index.runs:
                return index.runs[run_id]
        run = store.run_or_none(self.client, run_id)
        if run is None:
            return None
        return self._index(run.info.experiment_id).runs.get(run_id)

    def _producer(self, digest: str, before: RunSummary) -> RunSummary | None:
        """The run that wrote ``digest`` last before ``before`` started, preferring one of
        the same notebook: two notebooks that load the same file both write its digest,
        and neither produced the other's copy."""
        best, best_own = None, None
        home = before.notebook or before.experiment_id
        for index in self.indexes.values():
            for run_id in index.producers.get(digest, ()):
                candidate = index.runs[run_id]
                if candidate.run_id == before.run_id or candidate.start_time > before.start_time:
                    continue
                if best is None or candidate.start_time > best.start_time:
                    best = candidate
                if (candidate.notebook or candidate.experiment_id) == home and (
                        best_own is None or candidate.start_time > best_own.start_time):
                    best_own = candidate
        return best_own or best

    def _walk_upstream(self, frontier: list[RunSummary]) -> None:
        seen = {s.run_id for s in frontier}
        searched: set[str] = set()
        while frontier:
            missing = {d for s in frontier for d in s.inputs if not self._producer(d, s)} - searched
            missing = {d for d in missing if not self.cache.recently_unproduced(self.client.tracking_uri, d)}
            if missing:
                searched |= missing
                self._index_experiments_producing(missing)
                for digest in missing:  # data read from files: no run wrote it; do not ask every time
                    if not any(digest in index.producers for index in self.indexes.values()):
                        self.cache.mark_unproduced(self.client.tracking_uri, digest)
            next_frontier = []
            for summary in frontier:
                for digest, dataset_name in summary.inputs.items():
                    self._dataset_node(digest, dataset_name)
                    self.canvas.edge(f"dataset:{digest}", f"run:{summary.run_id}", "input")
                    producer = self._producer(digest, summary)
                    if producer is None:
                        continue
                    self._run_node(producer)
                    self.canvas.edge(f"run:{producer.run_id}", f"dataset:{digest}", "output")
                    self.canvas.edge(f"run:{producer.run_id}", f"run:{summary.run_id}", "feeds", digest=digest)
                    if producer.run_id not in seen:
                        seen.add(producer.run_id)
                        next_frontier.append(producer)
                origin = self._find_run(summary.source_run) if summary.source_run else None
                if origin is not None:  # a pipeline step: lineage joins the notebook's
                    self._run_node(origin)
                    self.canvas.edge(f"run:{origin.run_id}", f"run:{summary.run_id}", "exported")
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
                    self.canvas.edge(f"run:{summary.run_id}", f"dataset:{digest}", "output")
                    for index in list(self.indexes.values()):
                        for consumer_id in index.consumers.get(digest, ()):
                            consumer = index.runs[consumer_id]
                            producer = self._producer(digest, consumer)
                            if producer is None or producer.run_id != summary.run_id:
                                continue
                            self._run_node(consumer)
                            self.canvas.edge(f"dataset:{digest}", f"run:{consumer_id}", "input")
                            self.canvas.edge(f"run:{summary.run_id}", f"run:{consumer_id}", "feeds", digest=digest)
                            if consumer_id not in seen:
                                seen.add(consumer_id)
                                next_frontier.append(consumer)
            frontier = next_frontier
        self.truncated = self.truncated or bool(frontier)

    def _index_experiments_producing(self, digests: set[str]) -> None:
        """Index the experiments holding runs that read or wrote these fingerprints (one query)."""
        experiments = [e.experiment_id for e in store.all_experiments(self.client)
                       if e.experiment_id not in self.indexes and e.name != names.ENVIRONMENTS_EXPERIMENT]
        digest_list = sorted(digests)
        for start in range(0, len(digest_list), 100):
            if not experiments:
                return
            digests_in = store.one_of("datasets.digest", digest_list[start : start + 100])
            for run in store.iter_runs(self.client, list(experiments), digests_in):
                if run.info.experiment_id not in self.indexes:
                    self._index(run.info.experiment_id)
                    experiments.remove(run.info.experiment_id)

    # -- plumbing ----------------------------------------------------------------------------------
    def _run_node(self, s: RunSummary) -> None:
        self.summaries[s.run_id] = s
        self.canvas.node(f"run:{s.run_id}", "run", s.name, run_id=s.run_id, experiment_id=s.experiment_id,
                   status=s.status, start_time=s.start_time, end_time=s.end_time, notebook=s.notebook,
                   cell_id=s.cell_id)
        for model_id in s.model_ids:
            self.canvas.node(f"logged_model:{model_id}", "logged_model", f"model {model_id[:8]}", model_id=model_id,
                       run_id=s.run_id)
            self.canvas.edge(f"run:{s.run_id}", f"logged_model:{model_id}", "logged")

    def _dataset_node(self, digest: str, dataset_name: str) -> None:
        node = self.nodes.get(f"dataset:{digest}")
        if node is None:
            self.canvas.node(f"dataset:{digest}", "dataset", dataset_name, digest=digest, names=[dataset_name])
        elif dataset_name not in node["names"]:
            node["names"].append(dataset_name)

    def _mark_contracts(self) -> None:
        """Each dataset node: the contract checks runs in the graph made of that data, and
        ``contract_failed`` when one of them failed."""
        for node in self.nodes.values():
            if node["kind"] == "dataset":
                node.setdefault("contracts", [])
        for run_id, summary in self.summaries.items():
            for digest, checks in summary.contracts.items():
                dataset = self.nodes.get(f"dataset:{digest}")
                if dataset is not None:
                    dataset["contracts"].extend({**check, "run_id": run_id} for check in checks)
        for node in self.nodes.values():
            if node["kind"] == "dataset":
                node["contract_failed"] = any(c["status"] == "failed" for c in node["contracts"])

    def result(self) -> dict:
        self._mark_contracts()
        return {"root": self.root, "truncated": self.truncated, "nodes": list(self.nodes.values()),
                "edges": list(self.canvas.edges.values())}
