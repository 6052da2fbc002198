"""POST export: parameters reach the browser as written (C=1.0 stays 1.0, not the 1 a
JSON number becomes in JavaScript)."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def post(jp_fetch):
    async def send(body):
        response = await jp_fetch("jupyter-mlops", "api", "export", method="POST", body=json.dumps(body),
                                  raise_error=False, request_timeout=120)
        return response.code, json.loads(response.body or b"null")

    return send


async def test_parameter_values_are_python_literals(post, jp_root_dir):
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
             for source in ("%%track -n fit\nC = 1.0\nn = 3\nkind = 'rf'\nscale = 1e-3\nflag = True\nx = C * n",)]
    (jp_root_dir / "p.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                      "nbformat_minor": 4}))
    status, report = await post({"notebook": "p.ipynb", "target": "python"})
    assert status == 201, report
    expected = {"C": "1.0", "n": "3", "kind": "'rf'", "scale": "0.001", "flag": "True"}
    assert report["steps"][0]["params"] == expected
    assert report["params"] == expected
