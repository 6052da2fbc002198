"""Artifact listing and safe reads: only inside the run's artifacts, size-capped."""

import base64
import json
import os

import pytest

from jupyter_mlops.core import names
from jupyter_mlops.core.store import artifacts

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


async def test_reads_a_text_artifact(api, seeded):
    status, body = await api(f"runs/{seeded['runs'][2]}/artifact", path=names.ARTIFACT_STDOUT)
    assert status == 200
    assert body["kind"] == "text" and body["content"] == "hello\n" * 10 and body["truncated"] is False


async def test_reads_an_image_artifact(api, seeded, mlflow_client, tmp_path):
    picture = tmp_path / "plot.png"
    picture.write_bytes(PNG)
    mlflow_client.log_artifact(seeded["runs"][0], str(picture), "mlops/figures")
    status, body = await api(f"runs/{seeded['runs'][0]}/artifact", path="mlops/figures/plot.png")
    assert status == 200
    assert body["kind"] == "image" and body["mime"] == "image/png"
    assert base64.b64decode(body["data"]) == PNG


async def test_lists_a_folder(api, seeded):
    status, body = await api(f"runs/{seeded['runs'][2]}/artifacts", path="mlops")
    assert status == 200
    assert {f["path"] for f in body["files"]} == {names.ARTIFACT_CELL, names.ARTIFACT_STDOUT}
    status, body = await api(f"runs/{seeded['runs'][2]}/artifacts")
    assert status == 200 and body["files"] == [{"path": "mlops", "is_dir": True, "file_size": None}]


async def test_large_text_is_cut_and_says_so(api, seeded, mlflow_client):
    run_id = seeded["runs"][0]
    mlflow_client.log_text(run_id, "z" * (artifacts.TEXT_CAP + 100), "big.txt")
    status, body = await api(f"runs/{run_id}/artifact", path="big.txt")
    assert status == 200 and body["truncated"] is True and len(body["content"]) == artifacts.TEXT_CAP


async def test_large_image_is_413(api, seeded, mlflow_client, tmp_path):
    picture = tmp_path / "huge.png"
    picture.write_bytes(PNG + b"\0" * (artifacts.IMAGE_CAP + 1))
    mlflow_client.log_artifact(seeded["runs"][0], str(picture))
    status, body = await api(f"runs/{seeded['runs'][0]}/artifact", path="huge.png")
    assert status == 413 and body["code"] == "too_large"


async def test_binary_is_415(api, seeded, mlflow_client, tmp_path):
    blob = tmp_path / "model.bin"
    blob.write_bytes(b"\0\1\2" * 100)
    mlflow_client.log_artifact(seeded["runs"][0], str(blob))
    status, body = await api(f"runs/{seeded['runs'][0]}/artifact", path="model.bin")
    assert status == 415 and body["code"] == "not_text"


async def test_missing_artifact_404_folder_400_no_path_400(api, seeded):
    run_id = seeded["runs"][2]
    status, body = await api(f"runs/{run_id}/artifact", path="mlops/nothing.txt")
    assert status == 404 and body["code"] == "not_found"
    status, body = await api(f"runs/{run_id}/artifact", path="mlops")
    assert status == 400
    status, body = await api(f"runs/{run_id}/artifact")
    assert status == 400 and "path" in body["message"]


TRAVERSALS = [
    "../../../../etc/passwd",
    "mlops/../../secret.txt",
    "..",
    "./mlops/cell.py",
    "mlops//cell.py",
    "%2e%2e/%2e%2e/etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%252e%252e/etc/passwd",
    "/etc/passwd",
    "//etc/passwd",
    "~/.ssh/id_rsa",
    "file:///etc/passwd",
    "file:/etc/passwd",
    "s3://bucket/key",
    "C:/Windows/win.ini",
    "..\\..\\etc\\passwd",
    "mlops\\..\\..\\x",
    "mlops/cell.py\x00.png",
]


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_traversal_paths_are_refused(api, seeded, path):
    run_id = seeded["runs"][2]
    for endpoint in ("artifact", "artifacts"):
        status, body = await api(f"runs/{run_id}/{endpoint}", path=path)
        assert 400 <= status < 500, (endpoint, path, status, body)
        assert "root:" not in str(body)


async def test_raw_encoded_traversal_in_the_url_is_refused(http_server_client, jp_auth_header, jp_base_url, seeded):
    # Sent byte for byte (jp_fetch would escape the query), so the server decodes it once.
    run_id = seeded["runs"][2]
    for raw in ("..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "file%3A%2F%2F%2Fetc%2Fpasswd", "%252e%252e%2Fx"):
        response = await http_server_client.fetch(
            f"{jp_base_url}jupyter-mlops/api/runs/{run_id}/artifact?path={raw}",
            headers=jp_auth_header, raise_error=False, request_timeout=120,
        )
        assert response.code == 400, (raw, response.code, response.body)
        assert json.loads(response.body)["code"] == "invalid_path"


async def test_symlink_out_of_the_run_is_refused(api, seeded, artifact_folder, tmp_path):
    run_id = seeded["runs"][2]
    outside = tmp_path / "secret.txt"
    outside.write_text("top secret\n")
    os.symlink(outside, os.path.join(artifact_folder(run_id), "mlops", "leak.txt"))
    status, body = await api(f"runs/{run_id}/artifact", path="mlops/leak.txt")
    assert 400 <= status < 500 and "top secret" not in str(body)


async def test_another_runs_artifact_is_not_reachable(api, seeded):
    # The first run has no artifacts; the third's files must not be readable through it.
    status, _ = await api(f"runs/{seeded['runs'][0]}/artifact", path=names.ARTIFACT_STDOUT)
    assert status == 404
