"""Notebook -> pipeline export for the REST API, without tornado.

Plain functions: ``parse_request`` checks the JSON body, ``export`` runs on the service's
pool (``await service.call(export, service, root, request, progress, needs_store=False)``).
Every path the client gives is relative to the Jupyter root and must stay inside it
once resolved (no ``..``, no absolute path, no symlink leading out).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import bad_request, not_found

TARGETS = ("python", "airflow", "kfp")
FIELDS = ("notebook", "target", "out", "name")
MAX_PATH_LENGTH = 1024
MAX_NAME_LENGTH = 128
MAX_NAME_BYTES = 255  # one file or folder name (NAME_MAX on Linux and macOS)
# ExportError.code -> HTTP status (anything else is bad input: 400).
@dataclass(frozen=True)
class ExportRequest:
    notebook: str
    target: str = "python"
    out: str | None = None
    name: str | None = None


def parse_request(body: bytes) -> ExportRequest:
    """The JSON body ``{"notebook", "target", "out"?, "name"?}``, checked."""
    try:
        data = json.loads(body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_request('The request body must be JSON: {"notebook": "path/to/nb.ipynb", "target": "python"}.') \
            from None
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object.")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise bad_request(f"Unknown field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}.")
    notebook = _string(data.get("notebook"), "notebook", MAX_PATH_LENGTH)
    if not notebook:
        raise bad_request("'notebook' is required: the notebook's path relative to the Jupyter root.")
    target = _string(data.get("target"), "target", 16) or "python"
    if target not in TARGETS:
        raise bad_request(f"Unknown target {target!r}; choose one of {', '.join(TARGETS)}.", code="bad_target")
    return ExportRequest(notebook, target, _string(data.get("out"), "out", MAX_PATH_LENGTH),
                         _string(data.get("name"), "name", MAX_NAME_LENGTH))


def _string(value, what: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"'{what}' must be a string, not {type(value).__name__}.")
    value = value.strip()
    if len(value) > limit:
        raise bad_request(f"'{what}' is {len(value)} characters; the limit is {limit}.")
    if not value.isprintable():
        raise bad_request(f"'{what}' must not contain control characters.")
    return value or None


def inside_root(root: Path, relative: str, what: str) -> Path:
    """``relative`` resolved under ``root`` (already resolved); 400 if it leads anywhere else."""
    pure = PurePosixPath(relative.replace("\\", "/"))
    if pure.is_absolute() or os.path.isabs(relative):
        raise bad_request(f"'{what}' must be relative to the Jupyter root, not absolute: {relative!r}.",
                          code="outside_root")
    if ".." in pure.parts:
        raise bad_request(f"'{what}' must stay inside the Jupyter root ('..' is not allowed): {relative!r}.",
                          code="outside_root")
    if any(len(part.encode()) > MAX_NAME_BYTES for part in pure.parts):
        raise bad_request(f"'{what}' has a name longer than {MAX_NAME_BYTES} bytes, which no filesystem here "
                          "takes; use a shorter one.", code="bad_path")
    try:
        resolved = (root / Path(*pure.parts)).resolve()
    except OSError as exc:  # e.g. a symlink loop
        raise bad_request(f"'{what}' cannot be resolved ({exc.strerror or exc}): {relative!r}.",
                          code="bad_path") from None
    if not resolved.is_relative_to(root):
        raise bad_request(f"'{what}' leads outside the Jupyter root (through a symlink): {relative!r}.",
                          code="outside_root")
    return resolved


def relative(root: Path, path: str) -> str:
    """A path the export reported, as the client knows it: relative to the root."""
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return path


def export(service, root: str | Path, request: ExportRequest, progress=None) -> dict:
    """Run the export; its report as JSON with ``notebook`` and ``out`` relative to ``root``."""
    from ..core import store
    from ..pipeline import ExportError, export_notebook

    root = Path(root).resolve()
    notebook = inside_root(root, request.notebook, "notebook")
    if not notebook.exists():
        raise not_found(f"No notebook at {request.notebook!r} under the Jupyter root.")
    out = inside_root(root, request.out, "out") if request.out else None
    if out is not None:
        blocked = next((parent for parent in out.parents if parent.is_relative_to(root) and parent.exists()
                        and not parent.is_dir()), None)
        if blocked is not None:
            raise bad_request(f"'out' would be inside {relative(root, str(blocked))!r}, which is a file, not a "
                              f"folder: {request.out!r}.", code="bad_path")
    uri = service.settings.tracking_uri
    # Cross-check with tracked runs only when the store answers; else from the code alone.
    observe = store.unreachable_reason(uri, timeout=1.0) is None
    try:
        report = export_notebook(notebook, target=request.target, out=out, name=request.name,
                                 observe=observe, tracking_uri=uri, progress=progress)
    except ExportError as exc:
        # The client knows paths relative to the root; the status follows the error's kind.
        raise exc.reworded(str(exc).replace(str(root) + os.sep, "")) from None
    result = report.as_dict()
    # Parameter values as Python literals: a JSON number would reach the browser as a
    # JavaScript number, and 1.0 would read 1.
    for holder in (result, *result["steps"]):
        holder["params"] = {key: repr(value) for key, value in holder["params"].items()}
    result["notebook"] = relative(root, result["notebook"])
    result["out"] = relative(root, result["out"])
    return result
