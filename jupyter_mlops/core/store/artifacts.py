"""Reading a run's artifacts safely: only inside that run's artifact root, size-capped.

A path from the browser is checked before MLflow sees it (no ``..``, no absolute or
``file://`` paths, no percent-encoding, no backslashes), must be listed by MLflow as a
file of that run, and for local stores its real path (symlinks resolved) must stay
inside the run's artifact folder.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from ..errors import InvalidInput, NotFound, Refused, TooLarge, Unsupported

TEXT_CAP = 512 * 1024  # text beyond this is cut, and the reply says so
IMAGE_CAP = 5 * 1024 * 1024  # images beyond this are refused with 413
LISTING_CAP = 500  # entries in a run detail's artifact list
LISTING_DEPTH = 3
LISTING_CALLS = 20  # folder listings per run detail (each is an HTTP call on remote stores)

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
_DRIVE = re.compile(r"^[A-Za-z]:")
MAX_PATH_CHARS = 1024  # no artifact path we write comes near; the OS refuses 4096
MAX_NAME_BYTES = 255  # NAME_MAX on Linux and macOS


def clean_path(raw: str | None, *, allow_root: bool = False) -> str:
    """The artifact path as MLflow wants it, or InvalidInput naming what was wrong."""
    if raw is None or raw.strip() == "":
        if allow_root:
            return ""
        raise InvalidInput("The 'path' query parameter is required: a file path inside the run's artifacts, "
                           "such as mlops/cell.py.")
    problem = None
    if "\x00" in raw or "\\" in raw:
        problem = "it contains a backslash or a NUL byte"
    elif unquote(raw) != raw:
        problem = "it is percent-encoded; send the plain path"
    elif raw.startswith(("/", "~")) or _DRIVE.match(raw) or "://" in raw or raw.startswith("file:"):
        problem = "it is absolute or a URI; give a path relative to the run's artifact root"
    else:
        parts = raw.rstrip("/").split("/") if allow_root else raw.split("/")
        if any(part in ("", ".", "..") for part in parts):
            problem = "it has an empty, '.' or '..' segment"
        elif len(raw) > MAX_PATH_CHARS or any(len(part.encode()) > MAX_NAME_BYTES for part in parts):
            problem = (f"it is longer than a file path can be ({MAX_PATH_CHARS} characters, "
                       f"{MAX_NAME_BYTES} bytes a name)")
    if problem:
        raise InvalidInput(f"Artifact path {raw!r} is refused: {problem}.", code="invalid_path")
    return raw.rstrip("/")


def _file_info(entry) -> dict:
    return {"path": entry.path, "is_dir": bool(entry.is_dir), "file_size": entry.file_size}


def list_dir(client, run_id: str, path: str) -> list[dict]:
    """The entries of one artifact folder.  A folder MLflow refuses to list (a symlink
    leading out of the run's artifacts) is Refused; a path the OS cannot even look up
    (too long, through a file) is NotFound."""
    from . import is_mlflow_error

    try:
        return [_file_info(entry) for entry in client.list_artifacts(run_id, path or None)]
    except OSError as exc:
        raise NotFound(f"Run {run_id} has no artifact folder {path!r} ({exc.strerror or exc}).") from None
    except Exception as exc:
        if is_mlflow_error(exc) and "INVALID_PARAMETER_VALUE" in str(getattr(exc, "error_code", "")):
            raise Refused(code="forbidden_path",
                          message=f"Artifact folder {path!r} is refused: {getattr(exc, 'message', exc)}") from None
        raise


def list_tree(client, run_id: str) -> list[dict]:
    """A bounded breadth-first listing: enough for the detail panel, cheap on remote stores.
    A folder that cannot be listed (a symlink leading out of the run's artifacts) is kept
    in the listing with ``refused`` saying why; the rest still loads."""
    found: list[dict] = []
    folders: list[tuple[dict | None, int]] = [(None, 0)]
    calls = 0
    while folders and len(found) < LISTING_CAP and calls < LISTING_CALLS:
        folder, depth = folders.pop(0)
        calls += 1
        try:
            entries = list_dir(client, run_id, folder["path"] if folder else "")
        except (Refused, NotFound) as exc:
            if folder is None:
                raise
            folder["refused"] = exc.message
            continue
        for entry in entries:
            found.append(entry)
            if entry["is_dir"] and depth + 1 < LISTING_DEPTH:
                folders.append((entry, depth + 1))
    return found[:LISTING_CAP]


def _kind(path: str) -> str:
    return "image" if PurePosixPath(path).suffix.lower() in IMAGE_TYPES else "text"


def _listed_file(client, run_id: str, path: str) -> dict:
    parent = str(PurePosixPath(path).parent)
    try:
        entries = list_dir(client, run_id, "" if parent == "." else parent)
    except NotFound:
        raise NotFound(f"Run {run_id} has no artifact {path!r}.") from None
    for entry in entries:
        if entry["path"] == path:
            if entry["is_dir"]:
                raise InvalidInput(f"Artifact {path!r} is a folder; list it with runs/{{id}}/artifacts?path=.")
            return entry
    raise NotFound(f"Run {run_id} has no artifact {path!r}.")


def _local_root(artifact_uri: str) -> Path | None:
    parsed = urlparse(artifact_uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "" and artifact_uri.startswith("/"):
        return Path(artifact_uri)
    return None


def _read_local(root: Path, path: str, limit: int) -> tuple[bytes, int]:
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, path))
    if os.path.commonpath([real_root, real]) != real_root or not os.path.isfile(real):
        raise Refused(code="forbidden_path", message=f"Artifact {path!r} resolves outside the run's artifacts.")
    try:
        with open(real, "rb") as handle:
            return handle.read(limit + 1), os.path.getsize(real)
    except OSError as exc:
        raise NotFound(f"Artifact {path!r} cannot be read ({exc.strerror or exc}).") from None


def _read_downloaded(client, run_id: str, path: str, limit: int) -> tuple[bytes, int]:
    folder = tempfile.mkdtemp(prefix="jupyter-mlops-artifact-")
    try:
        local = os.path.realpath(client.download_artifacts(run_id, path, dst_path=folder))
        if os.path.commonpath([os.path.realpath(folder), local]) != os.path.realpath(folder):
            raise Refused(code="forbidden_path", message=f"Artifact {path!r} resolves outside the download folder.")
        with open(local, "rb") as handle:
            return handle.read(limit + 1), os.path.getsize(local)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read(client, run, raw_path: str | None) -> dict:
    """``{"path", "kind", "size", "truncated", and "content" (text) or "data" + "mime" (image)}``."""
    path = clean_path(raw_path)
    entry = _listed_file(client, run.info.run_id, path)
    kind = _kind(path)
    size = entry["file_size"] or 0
    if kind == "image" and size > IMAGE_CAP:
        raise TooLarge(f"Image {path!r} is {size} bytes; the panel shows images up to {IMAGE_CAP} bytes.")
    if kind == "text" and size > 40 * TEXT_CAP and _local_root(run.info.artifact_uri) is None:
        raise TooLarge(f"Artifact {path!r} is {size} bytes; open it in the MLflow UI instead.")
    limit = IMAGE_CAP if kind == "image" else TEXT_CAP
    root = _local_root(run.info.artifact_uri)
    if root is not None:
        payload, size = _read_local(root, path, limit)
    else:
        payload, size = _read_downloaded(client, run.info.run_id, path, limit)
    reply = {"path": path, "kind": kind, "size": size, "truncated": len(payload) > limit}
    payload = payload[:limit]
    if kind == "image":
        if reply["truncated"]:
            raise TooLarge(f"Image {path!r} is larger than {IMAGE_CAP} bytes.")
        reply["mime"] = IMAGE_TYPES[PurePosixPath(path).suffix.lower()]
        reply["data"] = base64.b64encode(payload).decode("ascii")
        return reply
    if b"\x00" in payload[:8192]:
        raise Unsupported(code="not_text",
                          message=f"Artifact {path!r} is binary; the panel shows text and images only.")
    reply["content"] = payload.decode("utf-8", errors="replace")
    return reply
