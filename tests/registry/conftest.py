"""Fixtures for the model tests: a model fitted in real %%track cells, and cleanup of
every scoring server a test started."""

from __future__ import annotations

import pytest

from mlops_testing import run

SETUP = (
    "import numpy as np, pandas as pd\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "rng = np.random.default_rng(0)\n"
    "raw = pd.DataFrame({'a': rng.random(300), 'b': rng.random(300)})"
)
FEATURES = "%%track -q --name features\nX = raw[['a', 'b']] * 2\ny = (raw.a > 0.5).astype(int)"
FIT = "%%track -q --name fit -m accuracy\nmodel = LogisticRegression().fit(X, y)\naccuracy = float(model.score(X, y))"


@pytest.fixture
def trained(ip):
    """``model`` fitted on ``X``/``y`` in a tracked cell, which read what another tracked cell wrote."""
    for source in (SETUP, FEATURES, FIT):
        result = run(ip, source)
        assert result.success, result.error_in_exec
    return ip


@pytest.fixture
def servers(mlops_root):
    """Stops whatever model servers the test left recorded (also when it failed)."""
    yield
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.models import deploy, serving

    for d in deploy.deployments(resolve().tracking_uri, check_health=False):
        serving.stop(d.pid, d.port)
