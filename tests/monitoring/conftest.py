"""Fixtures for the monitoring tests: a classifier fitted in real %%track cells on data
with numeric and categorical features, and cleanup of every scoring server a test started."""

from __future__ import annotations

import pytest

from mlops_testing import run

SETUP = (
    "import numpy as np, pandas as pd\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "rng = np.random.default_rng(0)\n"
    "raw = pd.DataFrame({'a': rng.normal(0, 1, 3000), 'b': rng.normal(5, 2, 3000), 'c': rng.exponential(1, 3000),\n"
    "                    'plan': rng.choice([0, 1, 2, 3], 3000, p=[0.4, 0.3, 0.2, 0.1])})"
)
FEATURES = ("%%track -q --name features\nX = raw[['a', 'b', 'c', 'plan']].copy()\n"
            "y = (raw.a + 0.2 * raw.b > 1).astype(int)")
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
