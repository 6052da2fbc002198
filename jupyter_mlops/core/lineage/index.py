"""An in-memory index of the runs of an experiment for lineage: which run read and
wrote which dataset fingerprint, and which logged models it produced.

Loading every run of an experiment costs one paged ``search_runs`` (~0.7 s for 1,000
runs on SQLite); walking lineage with a query per hop costs one round trip per run.
So the index is built once per (store, experiment) and then kept current with two cheap
queries per use: runs started since the last refresh (less a slack), and runs that
were still running.  It is rebuilt from scratch when older than ``MAX_AGE`` seconds, which also
picks up deleted runs and runs a journal replayed with old timestamps.

The indexes live in a :class:`LineageCache` owned by whoever lives long enough to reuse
them: the Jupyter server's ``MLOpsService`` (one for its lifetime) and a kernel's
``TrackingSession`` (one for ``%lineage``).  The first use of an experiment pays for
loading it (~1 s per 1,000 runs).  The server calls :meth:`LineageCache.warm` ahead of
need, so that cost is paid in the background and a rebuild never holds up a reader: it
is built aside and swapped in.  Warming is bounded, since it takes the CPU the process's
requests need too: at most ``budget`` runs a call, and an index is renewed only while
lineage requests use it.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from .. import names, store
from ..errors import NotFound
from ..tracking import notebooks

MAX_AGE = 300.0
# warm() rebuilds an index this far into its life, before a reader would have to.
WARM_AT = 0.8 * MAX_AGE
WARM_BUDGET = 5_000  # runs one warm() call may load (~5 s of one core on SQLite)
# warm() loads small pages with a pause between them: the process's requests share its
# GIL, and a thread that never waits makes every one of their I/O calls queue behind it.
WARM_PAGE, WARM_PAUSE = 200, 0.02
# A run is written a moment after it starts (the drainer creates it from the journal),
# and kernels may run on machines whose clocks differ a little: look this far before the
# last refresh for runs that appeared since.  Runs a journal replays after an outage are
# older; the rebuild every MAX_AGE seconds finds them.
SLACK_MS = 60_000
_EXPECT_PREFIX = names.EXPECT_TAG.format(name="")


@dataclass
class RunSummary:
    run_id: str
    name: str
    status: str
    experiment_id: str
    start_time: int
    end_time: int | None
    notebook: str | None
    cell_id: str | None
    inputs: dict[str, str] = field(default_factory=dict)  # digest -> dataset name
    outputs: dict[str, str] = field(default_factory=dict)
    model_ids: list[str] = field(default_factory=list)
    source_run: str | None = None  # a pipeline step: the notebook run of the cell it came from
    # %%track --expect checks: digest of the data checked -> [{"name", "status"}]
    contracts: dict[str, list[dict]] = field(default_factory=dict)


def summarize(run) -> RunSummary:
    info, tags = run.info, run.data.tags
    summary = RunSummary(run_id=info.run_id, name=info.run_name or info.run_id[:8], status=info.status,
                         experiment_id=info.experiment_id, start_time=info.start_time or 0, end_time=info.end_time,
                         notebook=tags.get(names.NOTEBOOK), cell_id=tags.get(names.CELL_ID),
                         source_run=tags.get(names.PIPELINE_SOURCE_RUN))
    if names.EXPECTS in tags or any(key.startswith(_EXPECT_PREFIX) for key in tags):
        from ..contracts.recorded import by_digest  # the contracts package imports pandas: only when needed

        summary.contracts = by_digest(tags)
    for dataset_input in run.inputs.dataset_inputs if run.inputs else []:
        role = next((t.value for t in dataset_input.tags if t.key in (names.DATASET_ROLE, names.DATASET_CONTEXT)),
                    "input")
        target = summary.outputs if role == "output" else summary.inputs
        target[dataset_input.dataset.digest] = dataset_input.dataset.name
    for tag, target in ((names.DATA_INPUTS, summary.inputs), (names.DATA_OUTPUTS, summary.outputs)):
        try:
            for record in json.loads(tags.get(tag) or "[]"):
                if isinstance(record, dict) and record.get("digest"):
                    target.setdefault(record["digest"], record.get("name") or "data")
        except ValueError:
            continue
    if run.outputs is not None:
        summary.model_ids = [m.model_id for m in run.outputs.model_outputs]
    return summary


class ExperimentIndex:
    def __init__(self, client, experiment_id: str) -> None:
        self.client = client
        self.experiment_id = experiment_id
        self.runs: dict[str, RunSummary] = {}
        self.producers: dict[str, set[str]] = {}
        self.consumers: dict[str, set[str]] = {}
        self.built = 0.0
        self.used = 0.0  # when a reader last refreshed it (monotonic)
        self.refreshed_ms = 0  # wall clock of the last refresh
        self.lock = threading.Lock()

    def refresh(self) -> None:
        with self.lock:
            self.used = time.monotonic()
            now_ms = int(time.time() * 1000)
            if not self.built or time.monotonic() - self.built > MAX_AGE:
                self._rebuild()
            else:
                self._update(max(self.refreshed_ms - SLACK_MS, 0))
            self.refreshed_ms = now_ms

    def _rebuild(self, page: int = 1000, pause: float = 0.0) -> None:
        self.runs, self.producers, self.consumers = {}, {}, {}
        follow = self._notebook_paths()
        for run in self._search("", page, pause):
            self._add(follow(summarize(run)))
        self.built = time.monotonic()

    @property
    def age(self) -> float:
        """Seconds since the last full build (infinite before the first)."""
        return time.monotonic() - self.built if self.built else float("inf")

    @property
    def wants_warming(self) -> bool:
        """Never built, or old and still read (an index nobody asks for is left to age)."""
        if not self.built:
            return True
        return self.age >= WARM_AT and time.monotonic() - self.used < MAX_AGE

    def warm(self) -> bool:
        """Build (or rebuild, once it is ``WARM_AT`` old) without holding up readers: the
        new index is built aside, then swapped in.  True when it did build."""
        if not self.wants_warming:
            return False
        started_ms = int(time.time() * 1000)
        fresh = ExperimentIndex(self.client, self.experiment_id)
        fresh._rebuild(WARM_PAGE, WARM_PAUSE)
        with self.lock:
            if self.age < WARM_AT:  # a reader built it meanwhile
                return False
            self.runs, self.producers, self.consumers = fresh.runs, fresh.producers, fresh.consumers
            self.built = fresh.built
            self.refreshed_ms = started_ms
        return True

    def _update(self, since: int) -> None:
        fresh = list(self._search(f"attributes.start_time >= {since}"))
        running = [r for r, s in self.runs.items() if s.status in ("RUNNING", "SCHEDULED")]
        for start in range(0, len(running), 100):
            fresh.extend(self._search(store.one_of("attributes.run_id", running[start : start + 100])))
        follow = self._notebook_paths()
        for run in fresh:
            self._add(follow(summarize(run)))

    def _notebook_paths(self):
        """Runs recorded under a former path of this experiment's notebook (it was renamed
        since) are the renamed notebook's: see core/tracking/notebooks.py."""
        try:
            tags = dict(store.get_experiment(self.client, self.experiment_id).tags or {})
        except NotFound:
            tags = {}

        def follow(summary: RunSummary) -> RunSummary:
            summary.notebook = notebooks.current_path(summary.notebook, tags)
            return summary

        return follow

    def _search(self, clause, page_size: int = 1000, pause: float = 0.0):
        return store.iter_runs(self.client, [self.experiment_id], clause, page_size=page_size, pause=pause)

    def _add(self, summary: RunSummary) -> None:
        old = self.runs.get(summary.run_id)
        if old is not None:
            for digest in old.outputs:
                self.producers.get(digest, set()).discard(old.run_id)
            for digest in old.inputs:
                self.consumers.get(digest, set()).discard(old.run_id)
        self.runs[summary.run_id] = summary
        for digest in summary.outputs:
            self.producers.setdefault(digest, set()).add(summary.run_id)
        for digest in summary.inputs:
            self.consumers.setdefault(digest, set()).add(summary.run_id)


UNPRODUCED_TTL = 60.0  # seconds a digest no run wrote is not searched for again


class LineageCache:
    """What lineage keeps between graphs: the experiment indexes (by store and experiment)
    and the digests a search across all experiments found no run wrote (data read from
    files).  Owned by a long-lived object (the server's service, a kernel's tracking
    session) so that its graphs reuse them; a graph drawn without one uses a fresh one.
    Thread-safe: ``building`` lets one graph at a time walk the shared indexes."""

    def __init__(self) -> None:
        self._indexes: dict[tuple[str, str], ExperimentIndex] = {}
        self._lock = threading.Lock()
        self._unproduced: dict[tuple[str, str], float] = {}  # (store, digest) -> when found unproduced
        self.building = threading.RLock()

    def index(self, client, experiment_id: str, refresh: bool = True) -> ExperimentIndex:
        key = (client.tracking_uri, experiment_id)
        with self._lock:
            index = self._indexes.get(key)
            if index is None:
                index = self._indexes[key] = ExperimentIndex(client, experiment_id)
        if refresh:
            index.refresh()
        return index

    def recently_unproduced(self, tracking_uri: str, digest: str) -> bool:
        checked = self._unproduced.get((tracking_uri, digest))
        return checked is not None and time.monotonic() - checked < UNPRODUCED_TTL

    def mark_unproduced(self, tracking_uri: str, digest: str) -> None:
        self._unproduced[(tracking_uri, digest)] = time.monotonic()

    def wanting_warmth(self, client, experiments: list[tuple[str, int]],
                       budget: int = WARM_BUDGET) -> list[tuple[str, int]]:
        """Those of these ``(experiment id, run count)`` that :meth:`warm` would build, in
        order, within ``budget`` runs.  No store access: cheap enough for every request."""
        chosen = []
        for experiment_id, runs in experiments:
            if runs <= budget and self.index(client, experiment_id, refresh=False).wants_warming:
                chosen.append((experiment_id, runs))
                budget -= runs
        return chosen

    def warm(self, client, experiments: list[tuple[str, int]], budget: int = WARM_BUDGET) -> list[str]:
        """Build or renew ahead of need the indexes of these ``(experiment id, run count)``,
        in order, loading at most ``budget`` runs; the ids it built."""
        return [e for e, _runs in self.wanting_warmth(client, experiments, budget)
                if self.index(client, e, refresh=False).warm()]

    def forget(self, tracking_uri: str | None = None) -> None:
        """Drop cached indexes (all, or those of one store)."""
        with self._lock:
            for key in [k for k in self._indexes if tracking_uri is None or k[0] == tracking_uri]:
                del self._indexes[key]
