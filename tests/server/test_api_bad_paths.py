"""Paths the OS refuses are 4xx replies, never 500s (issue #12, part 5)."""

from __future__ import annotations

import json
import os

import pytest


@pytest.mark.parametrize("endpoint", ["artifact", "artifacts"])
@pytest.mark.parametrize("path", ["a/" * 3000, "a/" * 3000 + "a", "n" * 300, "mlops/" + "x" * 256 + "/y.txt"])
async def test_paths_too_long_for_the_os_are_400_or_404(api, seeded, endpoint, path):
    status, body = await api(f"runs/{seeded['runs'][2]}/{endpoint}", path=path)
    assert status in (400, 404), body
    assert set(body) >= {"code", "message"}


async def test_run_detail_lists_a_symlinked_folder_as_refused(api, seeded, artifact_folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not yours")
    run_id = seeded["runs"][2]
    os.symlink(outside, os.path.join(artifact_folder(run_id), "linked"))
    status, detail = await api(f"runs/{run_id}")
    assert status == 200, detail
    entries = {entry["path"]: entry for entry in detail["artifacts"]}
    assert entries["linked"]["is_dir"] and "outside" in entries["linked"]["refused"]
    assert "mlops/cell.py" in entries  # the rest still listed
    assert not any(path.startswith("linked/") for path in entries)
    status, body = await api(f"runs/{run_id}/artifacts", path="linked")
    assert status == 403, body
    status, body = await api(f"runs/{run_id}/artifact", path="linked/secret.txt")
    assert status in (403, 404), body


@pytest.fixture
def post(jp_fetch):
    async def send(body):
        response = await jp_fetch("jupyter-mlops", "api", "export", method="POST", body=json.dumps(body).encode(),
                                  raise_error=False, request_timeout=120)
        return response.code, json.loads(response.body or b"null")

    return send


@pytest.fixture
def nb(jp_root_dir):
    cells = [{"cell_type": "code", "metadata": {}, "source": "%%track\nx = 1", "outputs": [],
              "execution_count": None}]
    (jp_root_dir / "nb.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                      "nbformat_minor": 5}))
    return "nb.ipynb"


@pytest.mark.parametrize("out", ["nb.ipynb/child", "n" * 300, "deeper/" + "n" * 300 + "/x", "nb.ipynb"])
async def test_export_to_an_impossible_folder_is_a_4xx(post, nb, jp_root_dir, out):
    before = sorted(p.name for p in jp_root_dir.iterdir())
    status, body = await post({"notebook": nb, "out": out})
    assert 400 <= status < 500, body
    assert set(body) >= {"code", "message"}
    assert sorted(p.name for p in jp_root_dir.iterdir()) == before  # nothing written


async def test_export_of_a_notebook_with_a_name_too_long_is_400(post, nb):
    status, body = await post({"notebook": "x" * 300 + ".ipynb"})
    assert status == 400, body
