"""An in-memory index of the runs of an experiment for lineage: which run read and
wrote which dataset fingerprint, and which logged models it produced.

Loading every run of an experiment costs one paged ``search_runs`` (~0.7 s for 1,000
runs on SQLite); walking lineage with a query per hop costs one round trip per run.
So the index is built once per (store, experiment) and then kept current with two cheap
queries per use: runs started since the last refresh (less a slack), and runs that
were still running.  It is rebuilt from scratch when older than ``MAX_AGE`` seconds, which also
picks up deleted runs and runs a journal replayed with old timestamps.

The first use of an experiment pays for loading it (~1 s per 1,000 runs).  A long-lived
process (the Jupyter server) calls :func:`warm` ahead of need, so that cost is paid in
the background and a rebuild never holds up a reader: it is built aside and swapped in.
Warming is bounded, since it takes the CPU the process's requests need too: at most
``budget`` runs a call, and an index is renewed only while lineage requests use it.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from . import names

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


def summarize(run) -> RunSummary:
    info, tags = run.info, run.data.tags
    summary = RunSummary(run_id=info.run_id, name=info.run_name or info.run_id[:8], status=info.status,
                         experiment_id=info.experiment_id, start_time=info.start_time or 0, end_time=info.end_time,
                         notebook=tags.get(names.NOTEBOOK), cell_id=tags.get(names.CELL_ID),
                         source_run=tags.get(names.PIPELINE_SOURCE_RUN))
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
        for run in self._search("", page, pause):
            self._add(summarize(run))
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
            ids = ", ".join(f"'{r}'" for r in running[start : start + 100])
            fresh.extend(self._search(f"attributes.run_id IN ({ids})"))
        for run in fresh:
            self._add(summarize(run))

    def _search(self, filter_string: str, page_size: int = 1000, pause: float = 0.0):
        token = None
        while True:
            page = self.client.search_runs([self.experiment_id], filter_string=filter_string,
                                           max_results=page_size, page_token=token)
            yield from page
            token = page.token
            if not token:
                return
            if pause:
                time.sleep(pause)

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


_indexes: dict[tuple[str, str], ExperimentIndex] = {}
_indexes_lock = threading.Lock()


def experiment_index(client, experiment_id: str, refresh: bool = True) -> ExperimentIndex:
    key = (client.tracking_uri, experiment_id)
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = ExperimentIndex(client, experiment_id)
    if refresh:
        index.refresh()
    return index


def wanting_warmth(client, experiments: list[tuple[str, int]], budget: int = WARM_BUDGET) -> list[tuple[str, int]]:
    """Those of these ``(experiment id, run count)`` that :func:`warm` would build, in
    order, within ``budget`` runs.  No store access: cheap enough for every request."""
    chosen = []
    for experiment_id, runs in experiments:
        if runs <= budget and experiment_index(client, experiment_id, refresh=False).wants_warming:
            chosen.append((experiment_id, runs))
            budget -= runs
    return chosen


def warm(client, experiments: list[tuple[str, int]], budget: int = WARM_BUDGET) -> list[str]:
    """Build or renew ahead of need the indexes of these ``(experiment id, run count)``,
    in order, loading at most ``budget`` runs; the ids it built."""
    return [e for e, _runs in wanting_warmth(client, experiments, budget)
            if experiment_index(client, e, refresh=False).warm()]


def forget(tracking_uri: str | None = None) -> None:
    """Drop cached indexes (all, or those of one store)."""
    with _indexes_lock:
        for key in [k for k in _indexes if tracking_uri is None or k[0] == tracking_uri]:
            del _indexes[key]
