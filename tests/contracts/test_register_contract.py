"""%register --require "contract:NAME" in a real IPython shell on the real SQLite store."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from mlops_testing import client, run

SETUP = (
    "import numpy as np, pandas as pd\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "rng = np.random.default_rng(0)\n"
    "raw = pd.DataFrame({'a': rng.random(300), 'b': rng.random(300)})\n"
    "X = raw * 2\n"
    "y = (raw.a > 0.5).astype(int)"
)
FIT = "%%track -q --name fit -m accuracy\nmodel = LogisticRegression().fit(X, y)\naccuracy = float(model.score(X, y))"


def versions(name: str) -> list:
    return client().search_model_versions(f"name = '{name}'")


@pytest.fixture
def fitted(ip):
    assert run(ip, SETUP).success
    ip.run_line_magic("contract", "X --name features")
    assert run(ip, FIT).success
    return ip


@pytest.mark.slow
def test_register_passes_the_contract_gate(fitted, capsys):
    fitted.run_line_magic("register", 'model --name churn --require "contract:features and metrics.accuracy > 0.5"')
    out = capsys.readouterr().out
    assert "Registered churn v1" in out and "contract:features = True" in out
    (version,) = versions("churn")
    assert version.tags["mlops.model.gate"] == "contract:features and metrics.accuracy > 0.5"


@pytest.mark.slow
def test_register_refuses_training_data_that_violates_the_contract(fitted):
    # the model is fitted again on data the contract does not allow: a negative value, a shifted column
    assert run(fitted, "X = pd.DataFrame({'a': raw.a * 2 + 0.5, 'b': raw.b * 2})\nX.loc[0, 'b'] = -1.0").success
    assert run(fitted, FIT).success
    with pytest.raises(UsageError) as refused:
        fitted.run_line_magic("register", 'model --name churn --require "contract:features"')
    message = str(refused.value)
    assert "failed (contract:features = False); nothing was registered" in message
    assert "[range] column 'b'" in message and "[quantiles] column 'a'" in message
    assert versions("churn") == []


@pytest.mark.slow
def test_register_with_an_unknown_or_broken_contract_is_a_usage_error(fitted, mlops_root):
    (mlops_root / "contracts" / "broken.yaml").write_text("name: broken\ncolumns: [a\n")
    with pytest.raises(UsageError, match=r"No contract 'nosuch' .*known: broken, features"):
        fitted.run_line_magic("register", 'model --name churn --require "contract:nosuch"')
    with pytest.raises(UsageError, match=r"broken.yaml, line 3: not valid YAML"):
        fitted.run_line_magic("register", 'model --name churn --require "contract:broken"')
    assert versions("churn") == []
