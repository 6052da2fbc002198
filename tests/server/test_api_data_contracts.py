"""Contract status over real HTTP: a real IPython shell runs ``%contract`` and a tracked
cell whose data violates one contract and meets another, into the store the Jupyter
server reads; GET runs/{id} lists each checked dataset's status with the failing checks
(read from the report artifact, or the tag when the artifact cannot be read), and GET
lineage marks the dataset that failed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jupyter_mlops.core import names
from mlops_testing import SPEC, all_runs, run, schema_keys, sync

SETUP = (
    "import numpy as np, pandas as pd\n"
    "rng = np.random.default_rng(0)\n"
    "train = pd.DataFrame({'customer_id': np.arange(300), 'age': rng.integers(18, 90, 300),\n"
    "                      'plan': rng.choice(['basic', 'pro', 'team'], 300)})"
)
CHECKED_CELL = (
    "%%track -q --expect train:batch --expect customers:clean\n"
    "clean = train.sample(frac=0.5, random_state=1)\n"
    "batch = train.copy()\n"
    "batch.loc[3, 'plan'] = 'enterprise'\n"
    "batch.loc[5, 'age'] = 130\n"
)


@pytest.fixture
def mlops_root(jp_root_dir, monkeypatch):
    """The shell (``ip``) tracks into the store the Jupyter server reads."""
    saved = dict(os.environ)
    os.environ["JUPYTER_MLOPS_ROOT"] = str(jp_root_dir)
    os.environ["JUPYTER_MLOPS_DRAINER_IDLE"] = "3"
    monkeypatch.chdir(jp_root_dir)
    yield jp_root_dir
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def checked(jp_serverapp, ip, mlops_root):
    """The tracked run that checked ``batch`` (violates 'train') and ``clean`` (meets 'customers')."""
    assert run(ip, SETUP).success
    ip.run_line_magic("contract", "train")
    ip.run_line_magic("contract", "train --name customers")
    assert run(ip, CHECKED_CELL).success
    sync(ip)
    [tracked] = [r for r in all_runs() if r.data.tags.get(names.KIND) == "cell"]
    from jupyter_mlops.core.tracking.fingerprint import fingerprint

    return {"run": tracked, "batch": fingerprint(ip.user_ns["batch"]).digest,
            "clean": fingerprint(ip.user_ns["clean"]).digest}


def by_contract(detail):
    return {item["contract"]: item for item in detail["contracts"]}


@pytest.mark.slow
async def test_run_detail_gives_each_datasets_contract_status(api, checked):
    run_id = checked["run"].info.run_id
    status, detail = await api(f"runs/{run_id}")
    assert status == 200
    found = by_contract(detail)
    assert set(found) == {"train", "customers"}
    failed, passed = found["train"], found["customers"]
    assert set(failed) == schema_keys("ContractStatus")
    assert (failed["status"], failed["ok"], failed["variable"]) == ("failed", False, "batch")
    assert failed["digest"] == checked["batch"] and failed["file"] == "contracts/train.yaml"
    assert failed["failed_checks"] == 2 and failed["more"] == 0
    assert failed["report"] == "mlops/contracts/train.json"  # the whole report, from the artifact
    assert failed["rows"] == 300 and failed["checks"] > 0
    checks = {v["check"]: v for v in failed["violations"]}
    assert checks["categories"]["column"] == "plan" and checks["categories"]["examples"] == ["enterprise"]
    assert checks["range"]["column"] == "age" and checks["range"]["examples"] == [130]
    assert checks["range"]["rows"][0]["index"] == 5
    assert (passed["status"], passed["ok"], passed["failed_checks"], passed["violations"]) == (
        "passed", True, 0, [])
    assert (passed["variable"], passed["digest"]) == ("clean", checked["clean"])
    # each status names a dataset the run recorded
    digests = {d["digest"] for d in detail["datasets"]}
    assert {checked["batch"], checked["clean"]} <= digests


@pytest.mark.slow
async def test_the_tag_answers_when_the_artifact_cannot_be_read(api, checked, artifact_folder, tmp_path):
    run_id = checked["run"].info.run_id
    report = Path(artifact_folder(run_id)) / names.ARTIFACT_CONTRACTS / "train.json"
    # a symlink out of the run's artifacts is never followed
    outside = tmp_path / "elsewhere.json"
    outside.write_text(json.dumps({"status": "failed", "violations": [{"check": "dtype", "message": "planted"}]}))
    report.unlink()
    report.symlink_to(outside)
    status, detail = await api(f"runs/{run_id}")
    assert status == 200
    failed = by_contract(detail)["train"]
    assert failed["report"] is None and failed["status"] == "failed"
    assert {v["check"] for v in failed["violations"]} == {"categories", "range"}
    assert "planted" not in json.dumps(detail["contracts"])
    # gone altogether: the same, from the tag
    report.unlink()
    status, detail = await api(f"runs/{run_id}")
    assert status == 200 and by_contract(detail)["train"]["failed_checks"] == 2


@pytest.mark.slow
async def test_lineage_marks_the_dataset_that_failed(api, checked):
    run_id = checked["run"].info.run_id
    status, graph = await api("lineage", run=run_id)
    assert status == 200
    datasets = {n["digest"]: n for n in graph["nodes"] if n["kind"] == "dataset"}
    failed, passed = datasets[checked["batch"]], datasets[checked["clean"]]
    assert failed["contract_failed"] is True
    assert failed["contracts"] == [{"name": "train", "status": "failed", "run_id": run_id}]
    assert passed["contract_failed"] is False
    assert passed["contracts"] == [{"name": "customers", "status": "passed", "run_id": run_id}]
    unchecked = [n for d, n in datasets.items() if d not in (checked["batch"], checked["clean"])]
    assert unchecked and all(n["contract_failed"] is False and n["contracts"] == [] for n in unchecked)
    node_fields = SPEC["components"]["schemas"]["LineageGraph"]["properties"]["nodes"]["items"]["properties"]
    assert {"contract_failed", "contracts"} <= set(node_fields)


async def test_a_run_without_contracts_lists_none(api, seeded):
    status, detail = await api(f"runs/{seeded['runs'][0]}")
    assert status == 200 and detail["contracts"] == []
