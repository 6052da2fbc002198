"""``export_notebook``: notebook -> plan -> checks -> target files, all or nothing.

Everything is written into a temporary folder beside the destination and moved into
place at the end, so a failure never leaves a half-written export behind.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..core.errors import Refused
from . import checks
from .errors import ExportError, OutputExists
from .notebook import read_notebook
from .plan import Finding, build_plan, check_no_steps, identifier
from .report import ExportReport, build_report

TARGETS = ("python", "airflow", "kfp")
Progress = Callable[[dict], None]


def _renderer(target: str):
    if target == "python":
        from .targets.package import render
    elif target == "airflow":
        from .targets.airflow import render
    elif target == "kfp":
        from .targets.kfp import render
    else:
        raise ExportError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}", code="bad_target")
    return render


def default_out(notebook: Path, name: str, target: str) -> Path:
    suffix = {"python": "pipeline", "airflow": "airflow", "kfp": "kfp"}[target]
    return notebook.parent / f"{name}_{suffix}"


def export_notebook(path: str | os.PathLike, target: str = "python", out: str | os.PathLike | None = None, *,
                    name: str | None = None, experiment: str | None = None, observe: bool = True,
                    tracking_uri: str | None = None, progress: Progress | None = None,
                    workdir: str | os.PathLike | None = None) -> ExportReport:
    """Export the notebook at ``path`` as a ``target`` pipeline into the new folder ``out``.

    ``observe`` cross-checks with the notebook's tracked runs in the MLflow store
    (``tracking_uri`` or the one jupyter-mlops resolves).  ``progress`` receives
    ``{"stage", "fraction", "message"}`` dicts.  Steps run from ``workdir`` (default: the
    notebook's folder), so relative paths resolve as in the notebook; ``--workdir`` of the
    exported package overrides it at run time.  Raises :class:`ExportError` on bad input.
    """
    try:
        return _export(path, target, out, name=name, experiment=experiment, observe=observe,
                       tracking_uri=tracking_uri, progress=progress, workdir=workdir)
    except OSError as exc:
        problem = _os_error(exc)
        if problem is None:
            raise  # the machine's fault (a full disk, an I/O error), not the caller's input
        raise problem from None


class PathRefused(ExportError, Refused):
    """The notebook or output folder is not ours to read or write (permissions, a read-only
    filesystem)."""

    default_code = "forbidden_path"


def _os_error(exc: OSError) -> ExportError | None:
    """What the OS refused because of the paths given, as an ExportError naming the path
    and what to do; None for other OS errors."""
    where = exc.filename or "the output folder"
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return PathRefused(f"{where}: {reason}; choose a folder you can write to with --out.")
    if exc.errno == errno.ENAMETOOLONG:
        return ExportError(f"{where}: {reason}; use a shorter --out (at most 255 bytes a name).", code="bad_path")
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return ExportError(f"{where}: a file is in the way of the output folder ({reason}); choose another --out.",
                           code="bad_path")
    if exc.errno in (errno.ENOENT, errno.ELOOP, errno.EINVAL):
        return ExportError(f"{where}: {reason}; check the notebook path and --out.", code="bad_path")
    return None


def _export(path, target, out, *, name, experiment, observe, tracking_uri, progress, workdir) -> ExportReport:
    started = time.perf_counter()
    notify = progress or (lambda event: None)

    def stage(name_: str, fraction: float, message: str) -> None:
        notify({"stage": name_, "fraction": fraction, "message": message})

    render = _renderer(target)
    notebook = Path(path)
    stage("read", 0.0, f"reading {notebook}")
    if notebook.suffix != ".ipynb" and notebook.is_file():
        raise ExportError(f"{notebook} is not a notebook (expected a .ipynb file).", code="not_notebook")
    cells = read_notebook(notebook)
    pipeline_name = identifier(name or notebook.stem, "pipeline")
    destination = Path(out) if out else default_out(notebook, pipeline_name, target)
    if destination.exists():
        raise OutputExists(f"{destination} already exists; remove it or choose another --out folder.",
                          code="exists")
    stage("analyse", 0.2, f"analysing {len(cells)} cells")
    from .observed import notebook_keys

    keys = notebook_keys(notebook)
    plan = build_plan(cells, pipeline_name, keys[0], Path(workdir) if workdir else notebook.resolve().parent)
    check_no_steps(plan, str(notebook))
    plan.findings += checks.execution_order(plan) + checks.unpassable(plan)
    if target == "airflow":  # production schedules the DAG as the notebook's retraining policy says
        from jupyter_mlops.core.lifecycle import airflow_trigger

        plan.schedule = airflow_trigger(notebook)
    if observe:
        stage("observe", 0.4, "reading the notebook's tracked runs")
        plan.findings += _observe(plan, keys, tracking_uri)
    exp = experiment or plan.notebook_experiment or next(
        (s.track.experiment for s in plan.steps if s.track and s.track.experiment), None) or pipeline_name
    stage("write", 0.6, f"writing the {target} pipeline")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{destination.name}.partial-", dir=destination.parent))
    except OSError as exc:  # name the folder asked for, not the scratch folder beside it
        raise OSError(exc.errno, exc.strerror, str(destination)) from None
    umask = os.umask(0)
    os.umask(umask)
    scratch.chmod(0o777 & ~umask)  # mkdtemp makes it private; the export is an ordinary folder
    try:
        next_steps = render(plan, scratch, exp) or []
        if destination.exists():
            raise OutputExists(f"{destination} appeared while exporting; remove it or choose another "
                              "--out folder.", code="exists")
        os.rename(scratch, destination)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    report: ExportReport = build_report(plan, target, str(destination))
    report.next_steps = [cmd.replace(str(scratch), str(destination)) for cmd in next_steps]
    report.seconds = time.perf_counter() - started
    stage("done", 1.0, f"exported {len(plan.steps)} step(s) to {destination}")
    return report


def _observe(plan, keys: list[str], tracking_uri: str | None) -> list[Finding]:
    """Findings from tracked runs; an unreachable store is reported, never fatal."""
    from jupyter_mlops.core import config, store

    try:
        uri = tracking_uri or config.resolve().tracking_uri
        db = store.sqlite_path(uri)
        if db is not None and not db.exists():
            return []  # nothing was ever tracked here
        if uri.startswith(("http://", "https://")):
            _check_server(uri)
        from .observed import cross_check, tracked_runs

        client = store.client(uri)
        runs = tracked_runs(client, keys)
        findings = cross_check(plan, runs)
        linked = [r for r in runs if r.info.run_id in {s.source_run_id for s in plan.steps}]
        if linked:  # pipeline runs beside the notebook's, so lineage joins in one experiment
            plan.notebook_experiment = client.get_experiment(linked[0].info.experiment_id).name
        return findings
    except Exception as exc:  # noqa: BLE001 - the export still works from the code alone
        return [Finding("observed", f"could not read the notebook's tracked runs ({type(exc).__name__}: "
                        f"{exc}); dependencies come from the code alone")]


def _check_server(uri: str, timeout: float = 3.0) -> None:
    """Fail fast: MLflow's client retries an absent server for minutes."""
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout).close()
    except urllib.error.HTTPError:
        return  # it answered (e.g. 401 behind a proxy): the client will say more
    except (urllib.error.URLError, OSError) as exc:
        raise ConnectionError(f"no MLflow server answers at {uri}") from exc
