"""With an MLflow server: rotated log segments go to the version's artifacts, and the
predictions are read from there on a machine without the local folder."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from jupyter_mlops.core.models.deploy import Deployment, _record
from jupyter_mlops.core.monitoring import check, reference
from jupyter_mlops.core.monitoring.predlog import PredictionLog, read_records, record_line, segments
from jupyter_mlops.core.monitoring.uploads import uploader


def read_records_of(segment):
    folder = segment.parent / "active"
    folder.mkdir(exist_ok=True)
    (folder / segment.name).write_bytes(segment.read_bytes())
    return read_records(folder)


@pytest.mark.slow
def test_rotated_segments_are_read_back_from_the_artifact_store(mlflow_server, tmp_path):
    from mlflow import MlflowClient

    from jupyter_mlops.core.models.registry import register_model

    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    name = f"remote-{time.time_ns()}"
    register_model(LogisticRegression().fit(X, X.a > 0), name, tracking_uri=mlflow_server.url, input_example=X.head(),
                   reference=X, experiment=name)
    client = MlflowClient(mlflow_server.url)
    version = client.get_model_version(name, "1")
    model_id = reference.model_id_of(version)
    assert reference.load_profile(client, version)["columns"]["a"]["kind"] == "numeric"

    port = 59999
    uploads = []
    upload = uploader(mlflow_server.url, model_id, f"mlops/predictions/{port}")
    log = PredictionLog(tmp_path / "here", segment_bytes=400, on_rotate=lambda p: uploads.append(upload(p)))
    for i in range(6):
        body = f'{{"dataframe_split": {{"columns": ["a", "b"], "data": [[{i}, 0.5]]}}}}'.encode()
        log.append(record_line(time.time(), 1.0, 200, "1", "application/json", body, b'{"predictions": [1]}'))
    closed = [p for p in segments(tmp_path / "here") if p != log.path]
    deadline = time.monotonic() + 60
    while len(uploads) < len(closed) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(closed) >= 2 and uploads == [True] * len(closed)
    uploaded_rows = len(read_records(tmp_path / "here")) - len(read_records_of(log.path))

    # a deployment recorded by another machine: its local folder is not here
    elsewhere = Deployment(name=name, version="1", alias=None, ref=f"{name}/1", model_uri=f"models:/{name}/1",
                           endpoint=f"http://10.0.0.9:{port}", host="0.0.0.0", port=port, pid=1, machine="elsewhere",
                           started=0, log=str(tmp_path / "elsewhere" / f"{name}-{port}.log"))
    _record(client, elsewhere)
    try:
        frame = check.predictions(f"{name}/1", tracking_uri=mlflow_server.url)
        assert frame.a.tolist() == list(range(uploaded_rows))  # every closed segment, in order
        result = check.check(f"{name}/1", tracking_uri=mlflow_server.url, record=True)
        assert result.live_rows == uploaded_rows and result.run_id
        assert client.get_run(result.run_id).data.tags["mlops.monitor.deployment"] == f"{name}/1"
    finally:  # the server is shared with other tests: leave no deployment record behind
        client.delete_model_version_tag(name, "1", f"mlops.deployment.{port}")
        client.delete_model_version_tag(name, "1", "mlops.deployments")


def test_a_segment_that_failed_to_upload_goes_with_the_next_one(tmp_path, monkeypatch):
    """An artifact store that is down for one rotation: that segment is uploaded at the next
    rotation, before the new one, unless retention deleted it meanwhile."""
    from mlflow import MlflowClient

    calls: list[tuple[str, str]] = []
    down = {"now": True}

    def log_model_artifact(self, model_id, local_path, artifact_path=None):
        calls.append((local_path.rsplit("/", 1)[-1], "down" if down["now"] else "up"))
        if down["now"]:
            raise ConnectionError("artifact store down")

    monkeypatch.setattr(MlflowClient, "log_model_artifact", log_model_artifact)
    upload = uploader(f"sqlite:///{tmp_path / 'mlflow.db'}", "m-1", "mlops/predictions/1")
    first, second, third, gone = (tmp_path / f"{n}.jsonl" for n in ("first", "second", "third", "gone"))
    for path in (first, second, third, gone):
        path.write_text("{}\n")
    assert upload(gone) is False and upload(first) is False  # down: both kept for later
    gone.unlink()  # retention deleted it meanwhile
    down["now"] = False
    assert upload(second) is True
    assert calls == [("gone.jsonl", "down"), ("gone.jsonl", "down"), ("first.jsonl", "down"),
                     ("first.jsonl", "up"), ("second.jsonl", "up")]
    assert upload(third) is True and calls[5:] == [("third.jsonl", "up")]  # nothing is uploaded twice
