"""Rotated prediction-log segments to the artifact store, where teammates read them.

With an MLflow server as the tracking URI, ``%deploy`` asks the scoring server to upload
each closed segment to the serving version's LoggedModel artifacts under
``mlops/predictions/<port>/`` (``check.predictions`` and ``check.check`` read them there on
a machine without the local folder).  An upload that fails is logged and tried again at
the next rotation, as long as retention has not deleted the segment; the segments of a
server that stopped before then stay in the local folder only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)


def uploader(tracking_uri: str | None, model_id: str, artifact_path: str) -> Callable[[Path], bool]:
    """A ``PredictionLog.on_rotate`` callback uploading a segment, and any earlier one whose
    upload failed; it returns True when all of them are uploaded."""
    failed: list[Path] = []  # this server's segments not uploaded yet, oldest first
    lock = threading.Lock()  # rotations upload from threads of their own

    def upload(segment: Path) -> bool:
        from mlflow import MlflowClient

        with lock:
            waiting = [p for p in failed if p.exists()] + [segment]
            failed.clear()
            client = MlflowClient(tracking_uri)
            for path in waiting:
                try:
                    client.log_model_artifact(model_id, str(path), artifact_path)
                except Exception as exc:  # noqa: BLE001 - kept locally; reported in the server log
                    logger.warning("jupyter-mlops: prediction-log segment %s was not uploaded (tried again at "
                                   "the next rotation): %s", path, exc)
                    failed.append(path)
            return not failed

    return upload
