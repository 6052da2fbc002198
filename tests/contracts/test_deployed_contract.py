"""Which contract a deployment enforces: named, checked by the source run (--expect), or
checked on the data the source run read (by fingerprint); cut to the model's inputs."""

from __future__ import annotations

import pandas as pd
import pytest

from jupyter_mlops.core import contracts
from jupyter_mlops.core.contracts.deployed import for_inputs, parse_spec, serving_contract
from jupyter_mlops.core.errors import InvalidInput
from mlops_testing import client, run, sync

SETUP = (
    "import numpy as np, pandas as pd\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "rng = np.random.default_rng(0)\n"
    "raw = pd.DataFrame({'a': rng.random(300), 'b': rng.random(300)})\n"
    "raw['y'] = (raw.a > 0.5).astype(int)"
)
FEATURES = "%%track -q --name features{expect}\nX = raw[['a', 'b']] * 2\ny = raw.y"
FIT = "%%track -q --name fit{expect}\nmodel = LogisticRegression().fit(X, y)"


def version(ip):
    ip.run_line_magic("register", "model --name churn")
    sync(ip)
    return client().get_model_version("churn", "1")


@pytest.fixture
def with_contract(ip, mlops_root):
    assert run(ip, SETUP).success
    contracts.save(mlops_root, contracts.infer(ip.user_ns["raw"][["a", "b"]] * 2, "features"))
    contracts.save(mlops_root, contracts.infer(ip.user_ns["raw"], "labelled"))
    return ip


@pytest.mark.slow
def test_found_on_the_source_runs_expect(with_contract, mlops_root):
    ip = with_contract
    assert run(ip, FEATURES.format(expect="")).success
    assert run(ip, FIT.format(expect=" --expect features:X")).success
    found = serving_contract(client(), version(ip), mlops_root, "reject")
    assert (found.mode, found.contract.name) == ("reject", "features")
    assert found.how == "checked by the source run with --expect features:X"


@pytest.mark.slow
def test_found_on_the_training_datas_fingerprint(with_contract, mlops_root):
    ip = with_contract
    assert run(ip, FEATURES.format(expect=" --expect features:X")).success  # the cell that wrote X checked it
    assert run(ip, FIT.format(expect="")).success
    found = serving_contract(client(), version(ip), mlops_root, None)
    assert (found.mode, found.contract.name) == ("log", "features")
    assert found.how == "the training data was checked with --expect features"
    off = serving_contract(client(), client().get_model_version("churn", "1"), mlops_root, "off")
    assert not off.active and "off" in off.describe()


@pytest.mark.slow
def test_none_found_is_off_or_refused(with_contract, mlops_root):
    ip = with_contract
    assert run(ip, FEATURES.format(expect="")).success
    assert run(ip, FIT.format(expect="")).success
    mv = version(ip)
    found = serving_contract(client(), mv, mlops_root, None)
    assert not found.active and "no contract found for v1's training data" in found.describe()
    with pytest.raises(InvalidInput, match="--contract reject: no contract found"):
        serving_contract(client(), mv, mlops_root, "reject")
    named = serving_contract(client(), mv, mlops_root, "labelled", inputs=["a", "b"])
    assert [r.name for r in named.contract.columns] == ["a", "b"] and named.dropped == ["y"]
    assert "not model inputs, not checked: y" in named.describe()


def test_spec_and_inputs():
    assert parse_spec(None) == (None, None) and parse_spec("reject:train") == ("reject", "train")
    assert parse_spec("train") == (None, "train") and parse_spec("log") == ("log", None)
    for bad in (":", "drop:train", "off:train", "bad name"):
        with pytest.raises(InvalidInput):
            parse_spec(bad)
    contract = contracts.infer(pd.DataFrame({"a": [1.0, 2.0], "label": [0, 1]}), "t")
    assert for_inputs(contract, ["a"])[1] == ["label"]
    assert for_inputs(contract, None) == (contract, []) and for_inputs(contract, ["z"]) == (contract, [])
