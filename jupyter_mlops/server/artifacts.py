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

from .errors import ApiError, bad_request, not_found

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


def clean_path(raw: str | None, *, allow_root: bool = False) -> str:
    """The artifact path as MLflow wants it, or a 400 naming what was wrong."""
    if raw is None or raw.strip() == "":
        if allow_root:
            return ""
        raise bad_request("The 'path' query parameter is required: a file path inside the run's artifacts, such as mlops/cell.py.")
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
    if problem:
        raise bad_request(f"Artifact path {raw!r} is refused: {problem}.", code="invalid_path")
    return raw.rstrip("/")


def _file_info(entry) -> dict:
    return {"path": entry.path, "is_dir": bool(entry.is_dir), "file_size": entry.file_size}


def list_dir(client, run_id: str, path: str) -> list[dict]:
    return [_file_info(entry) for entry in client.list_artifacts(run_id, path or None)]


def list_tree(client, run_id: str) -> list[dict]:
    """A bounded breadth-first listing: enough for the detail panel, cheap on remote stores."""
    found: list[dict] = []
    folders = [("", 0)]
    calls = 0
    while folders and len(found) < LISTING_CAP and calls < LISTING_CALLS:
        folder, depth = folders.pop(0)
        calls += 1
        for entry in list_dir(client, run_id, folder):
            found.append(entry)
            if entry["is_dir"] and depth + 1 < LISTING_DEPTH:
                folders.append((entry["path"], depth + 1))
    return found[:LISTING_CAP]


def _kind(path: str) -> str:
    return "image" if PurePosixPath(path).suffix.lower() in IMAGE_TYPES else "text"


def _listed_file(client, run_id: str, path: str) -> dict:
    parent = str(PurePosixPath(path).parent)
    entries = list_dir(client, run_id, "" if parent == "." else parent)
    for entry in entries:
        if entry["path"] == path:
            if entry["is_dir"]:
                raise bad_request(f"Artifact {path!r} is a folder; list it with runs/{{id}}/artifacts?path=.")
            return entry
    raise not_found(f"Run {run_id} has no artifact {path!r}.")


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
        raise ApiError(403, "forbidden_path", f"Artifact {path!r} resolves outside the run's artifacts.")
    with open(real, "rb") as handle:
        return handle.read(limit + 1), os.path.getsize(real)


def _read_downloaded(client, run_id: str, path: str, limit: int) -> tuple[bytes, int]:
    folder = tempfile.mkdtemp(prefix="jupyter-mlops-artifact-")
    try:
        local = os.path.realpath(client.download_artifacts(run_id, path, dst_path=folder))
        if os.path.commonpath([os.path.realpath(folder), local]) != os.path.realpath(folder):
            raise ApiError(403, "forbidden_path", f"Artifact {path!r} resolves outside the download folder.")
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
        raise ApiError(413, "too_large", f"Image {path!r} is {size} bytes; the panel shows images up to {IMAGE_CAP} bytes.")
    if kind == "text" and size > 40 * TEXT_CAP and _local_root(run.info.artifact_uri) is None:
        raise ApiError(413, "too_large", f"Artifact {path!r} is {size} bytes; open it in the MLflow UI instead.")
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
            raise ApiError(413, "too_large", f"Image {path!r} is larger than {IMAGE_CAP} bytes.")
        reply["mime"] = IMAGE_TYPES[PurePosixPath(path).suffix.lower()]
        reply["data"] = base64.b64encode(payload).decode("ascii")
        return reply
    if b"\x00" in payload[:8192]:
        raise ApiError(415, "not_text", f"Artifact {path!r} is binary; the panel shows text and images only.")
    reply["content"] = payload.decode("utf-8", errors="replace")
    return reply
