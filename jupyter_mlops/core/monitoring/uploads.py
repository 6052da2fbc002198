"""Rotated prediction-log segments to the artifact store, where teammates read them.

With an MLflow server as the tracking URI, ``%deploy`` asks the scoring server to upload
each closed segment to the serving version's LoggedModel artifacts under
``mlops/predictions/<port>/`` (``check.predictions`` and ``check.check`` read them there on
a machine without the local folder).  An upload that fails is logged and the segment
stays in the local folder until retention deletes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)


def uploader(tracking_uri: str | None, model_id: str, artifact_path: str) -> Callable[[Path], bool]:
    """A ``PredictionLog.on_rotate`` callback uploading a segment; it returns True when uploaded."""

    def upload(segment: Path) -> bool:
        from mlflow import MlflowClient

        try:
            MlflowClient(tracking_uri).log_model_artifact(model_id, str(segment), artifact_path)
            return True
        except Exception as exc:  # noqa: BLE001 - kept locally; reported in the server log
            logger.warning("jupyter-mlops: prediction-log segment %s was not uploaded: %s", segment, exc)
            return False

    return upload
