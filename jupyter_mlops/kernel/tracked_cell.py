"""One execution of a ``%%track`` cell, from journaled start to journaled finish."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path

from ..core import names
from ..core.tracking import capture
from ..core.tracking.active_run import ActiveRunHandle
from ..core.tracking.codeinfo import CellCode
from ..core.tracking.records import Outcome, status_of
from ..core.tracking.session import TrackingSession
from .cell import History, cell_id, execution_count, notebook_path
from .outputs import OutputCapture


class TrackedCell:
    expectations = None  # kernel/expectations.Expectations of --expect, checked before the run ends

    def __init__(self, shell, session: TrackingSession, history: History, *, cell: str, code: CellCode,
                 experiment: str, run_name: str, notebook: str | None, params: dict, tags: dict,
                 metrics: list[str], capture_data: bool, activate: bool) -> None:
        self.shell, self.session, self.history = shell, session, history
        self.cell, self.code = cell, code
        self.experiment, self.run_name, self.notebook = experiment, run_name, notebook
        self.params, self.tags, self.metric_vars = params, tags, metrics
        self.capture_data, self.activate = capture_data, activate
        self.status = "RUNNING"
        self.duration = 0.0
        self.logged_metrics: dict[str, float] = {}
        self.datasets: list[dict] = []
        self.problems: list[str] = []
        self.key = ""
        self.handle: ActiveRunHandle | None = None

    def run(self):
        """Run the cell as the user wrote it; returns IPython's ExecutionResult."""
        shell = self.shell
        namespace = shell.user_ns
        count = execution_count(shell)
        source_name = self.notebook or "ipython"
        inputs = capture.data_records(namespace, self.code.reads, "input", source_name) if self.capture_data else []
        before = {name: id(namespace[name]) for name in self.code.writes if name in namespace}
        settings = self.session.settings
        nb_path = notebook_path(settings.root, settings.state_dir)
        start_tags = {
            names.SOURCE_NAME: str(nb_path) if nb_path else "ipython",
            names.SOURCE_TYPE: "NOTEBOOK",
            names.KIND: "cell",
            names.VERSION: _version(),
            names.CELL_EXECUTION_COUNT: str(count),
        }
        if self.notebook:
            start_tags[names.NOTEBOOK] = self.notebook
        this_cell = cell_id(shell)
        if this_cell:
            start_tags[names.CELL_ID] = this_cell
        folder = nb_path.parent if nb_path else Path.cwd()
        self.key = self.session.start_run(self.experiment, self.run_name, start_tags, folder)

        handle = self.handle = ActiveRunHandle(
            lambda: self.session.wait_for_run_id(self.key), settings.tracking_uri) if self.activate else None
        started = time.perf_counter()
        outer = shell.displayhook.exec_result
        try:
            with OutputCapture(shell) as outputs, _quiet_if(shell, _ends_with_semicolon(shell, self.cell)):
                result = shell.run_cell(self.cell, store_history=False)
                outputs.figures_from_pyplot()
        finally:
            self.duration = time.perf_counter() - started
            shell.displayhook.exec_result = outer
            if handle is not None:
                handle.close()
        error = result.error_before_exec or result.error_in_exec
        self.status = status_of(error)
        self._finish(namespace, count, before, inputs, outputs, error)
        if outer is not None and error is not None:
            # The cell failed: make the execution itself fail too (as it would without
            # %%track), without printing the traceback a second time.
            if result.error_before_exec is not None:
                outer.error_before_exec = result.error_before_exec
            else:
                outer.error_in_exec = result.error_in_exec
        return result

    def _finish(self, namespace, count, before, inputs, outputs, error) -> None:
        done = Outcome()
        done.tags(self.tags)
        done.source(self.cell, _hash(self.cell))
        dependencies = self.history.dependencies(self.code.reads, count)
        if dependencies:
            done.entry.tags[names.CELL_DEPENDS_ON] = json.dumps(
                [{"execution_count": d.execution_count, "names": d.names} for d in dependencies])[: names.MAX_TAG_VALUE]
            done.text(names.ARTIFACT_DEPENDENCIES, "\n\n".join(
                f"# In[{d.execution_count}] defines {', '.join(d.names)}\n{d.source}" for d in dependencies))
        written_names = sorted(n for n in self.code.writes if n in namespace)
        if written_names:
            done.entry.tags[names.CELL_WRITES] = json.dumps(written_names)[: names.MAX_TAG_VALUE]
        for name in written_names:
            self.session.writers[name] = self.key
        auto = {k: v for k, v in self.code.params.items() if k in namespace}
        done.params({**auto, **self.params})
        self.params = done.entry.params
        metrics, problems = capture.metric_values(namespace, self.metric_vars)
        self.problems.extend(problems)
        self.logged_metrics = {m[0]: m[1] for m in metrics}
        done.metrics(metrics)
        if self.capture_data:
            written = {n for n in self.code.writes if n in namespace and
                       (n in self.code.mutates or before.get(n) != id(namespace[n]))}
            outputs_data = capture.data_records(namespace, written, "output", self.notebook or "ipython")
            outputs_data += self._changed_in_place(namespace, inputs, written)
            self.datasets = inputs + outputs_data
            done.datasets(self.datasets)
        if self.expectations is not None:
            error = self.expectations.check(namespace, done, error)
            self.status = status_of(error)
            self.problems.extend(self.expectations.problems)
        done.error(error)
        done.warnings.extend(self.problems)
        for stream, path in ((outputs.stdout, names.ARTIFACT_STDOUT), (outputs.stderr, names.ARTIFACT_STDERR)):
            if stream.text:
                done.output(path, stream.text, stream.dropped)
        for number, png in enumerate(outputs.images, 1):
            done.blobs[f"{names.ARTIFACT_FIGURES}/figure-{number}.png"] = png
        done.close(self.duration)
        self.session.finish_run(self.key, self.status, done.entry, done.blobs)

    def _changed_in_place(self, namespace, inputs: list[dict], written: set[str]) -> list[dict]:
        """Inputs changed by a method call (``df.dropna(inplace=True)``) are outputs too."""
        from ..core.tracking.fingerprint import fingerprint

        changed = []
        for record in inputs:
            name = record["name"]
            if name in written or not record.get("digest") or id(namespace.get(name)) != record["object_id"]:
                continue
            now = fingerprint(namespace[name])
            if now is not None and now.digest != record["digest"]:
                changed.append({**record, "role": "output", **now.as_dict()})
        return changed


def _ends_with_semicolon(shell, cell: str) -> bool:
    """A trailing ``;`` hides the cell's value: IPython decides that from the history's last
    input, which is the ``%%track`` call here, so ask about the body itself."""
    try:
        return shell.displayhook.semicolon_at_end_of_expression(shell.transform_cell(cell))
    except Exception:  # noqa: BLE001 - incomplete or odd source: IPython reports it when it runs
        return False


@contextmanager
def _quiet_if(shell, quiet: bool):
    hook = shell.displayhook
    if quiet:
        hook.quiet = lambda: True  # shadows the method on this instance only
    try:
        yield
    finally:
        if quiet:
            del hook.quiet


def _hash(text: str) -> str:
    import xxhash

    return xxhash.xxh3_128_hexdigest(text.encode())


def _version() -> str:
    from .. import __version__

    return __version__
