"""Where the data lives: one resolution of the tracking URI for kernel, server and CLI.

Order: ``MLFLOW_TRACKING_URI`` if set, else ``c.MLOps.tracking_uri`` from traitlets
config, else an embedded SQLite store under ``<root>/.mlops/``.  The Jupyter server
extension exports what it resolved (``MLFLOW_TRACKING_URI`` and ``JUPYTER_MLOPS_ROOT``)
to the kernels it starts, so the sidebar and ``%%track`` always see the same store.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from traitlets import Unicode
from traitlets.config import Configurable

ENV_TRACKING_URI = "MLFLOW_TRACKING_URI"
ENV_ROOT = "JUPYTER_MLOPS_ROOT"
ENV_STATE_DIR = "JUPYTER_MLOPS_STATE_DIR"
ENV_UI_URL = "JUPYTER_MLOPS_UI_URL"
# MLflow reads this when it builds a SQL store without an explicit artifact root.
ENV_MLFLOW_ARTIFACT_ROOT = "_MLFLOW_SERVER_ARTIFACT_ROOT"
STATE_DIR_NAME = ".mlops"


class MLOps(Configurable):
    """Settings shared by the kernel magics, the server extension and the CLI."""

    tracking_uri = Unicode(
        "",
        help="MLflow tracking URI. MLFLOW_TRACKING_URI wins over this; when both are "
        "empty an embedded SQLite store under <root>/.mlops/ is used.",
    ).tag(config=True)
    state_dir = Unicode(
        "",
        help="Folder for the local journal and the embedded store "
        "(default: <root>/.mlops, or $JUPYTER_MLOPS_STATE_DIR).",
    ).tag(config=True)
    ui_url = Unicode(
        "",
        help="Base URL of an MLflow UI showing the same store, for 'open in MLflow' links "
        "(or $JUPYTER_MLOPS_UI_URL).",
    ).tag(config=True)


@dataclass(frozen=True)
class Settings:
    tracking_uri: str
    root: Path
    state_dir: Path
    ui_url: str
    embedded: bool  # True when tracking_uri is our default SQLite store

    @property
    def journal_path(self) -> Path:
        return self.state_dir / "journal.db"

    @property
    def artifact_root(self) -> Path:
        return self.state_dir / "artifacts"

    @property
    def display_uri(self) -> str:
        return hide_credentials(self.tracking_uri)


def find_root(start: str | os.PathLike | None = None) -> Path:
    """The Jupyter root: ``$JUPYTER_MLOPS_ROOT``, else the nearest folder upwards holding
    a ``.mlops`` folder, else the start folder itself."""
    env = os.environ.get(ENV_ROOT)
    if env:
        return Path(env).expanduser().resolve()
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_DIR_NAME).is_dir():
            return folder
    return here


def embedded_uri(state_dir: Path) -> str:
    # timeout: SQLite's busy timeout in seconds, so concurrent writers wait, not fail.
    return f"sqlite:///{state_dir / 'mlflow.db'}?timeout=60"


def resolve(config: MLOps | None = None, root: str | os.PathLike | None = None) -> Settings:
    config = config or MLOps()
    root_path = Path(root).resolve() if root else find_root()
    state = (
        os.environ.get(ENV_STATE_DIR)
        or config.state_dir
        or str(root_path / STATE_DIR_NAME)
    )
    state_dir = Path(state).expanduser().resolve()
    uri = os.environ.get(ENV_TRACKING_URI) or config.tracking_uri or embedded_uri(state_dir)
    embedded = uri == embedded_uri(state_dir)
    if embedded:
        pass
    elif "://" not in uri and not uri.startswith(("databricks", "sqlite:")):
        # A bare path: MLflow would take it as a file store, which it deprecates.
        raise ValueError(
            f"Tracking URI {uri!r} is not a URI. Use sqlite:///path/to/mlflow.db, "
            "http://host:port or postgresql://..., or unset it for the embedded store."
        )
    ui_url = os.environ.get(ENV_UI_URL) or config.ui_url
    return Settings(uri, root_path, state_dir, ui_url.rstrip("/"), embedded)


_CREDENTIALS_IN_URL = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<auth>[^/@\s]+)@")


def hide_credentials(uri: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://***@host/db``."""
    return _CREDENTIALS_IN_URL.sub(lambda m: f"{m.group('scheme')}***@", uri)


def export_to_environment(settings: Settings) -> None:
    """Make processes started from here (kernels, drainers) resolve the same store."""
    os.environ[ENV_TRACKING_URI] = settings.tracking_uri
    os.environ[ENV_ROOT] = str(settings.root)
    os.environ[ENV_STATE_DIR] = str(settings.state_dir)
    if settings.ui_url:
        os.environ[ENV_UI_URL] = settings.ui_url
    if settings.embedded:
        os.environ.setdefault(ENV_MLFLOW_ARTIFACT_ROOT, str(settings.artifact_root))
