"""%register with each library flavor, in a real IPython shell on the embedded store:
xgboost, lightgbm and PyTorch models fitted in %%track cells are logged with their own
MLflow flavor, pinned to the versions in the kernel, and the stock
``mlflow.pyfunc.load_model("models:/NAME@ALIAS")`` predicts what the object in memory does."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from mlops_testing import client, run

DATA = (
    "import numpy as np, pandas as pd\n"
    "rng = np.random.default_rng(7)\n"
    "raw = pd.DataFrame({'a': rng.random(200), 'b': rng.random(200)})\n"
    "X = raw.astype('float32')\n"
    "y = (raw.a + raw.b > 1).astype(int)"
)

FITS = {
    "xgboost": "%%track -q --name fit\nimport xgboost\n"
               "model = xgboost.XGBClassifier(n_estimators=20, max_depth=3).fit(X, y)",
    "lightgbm": "%%track -q --name fit\nimport lightgbm\n"
                "model = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1).fit(X, y)",
    "pytorch": (
        "%%track -q --name fit\nimport torch\n"
        "torch.manual_seed(0)\n"
        "model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "inputs = torch.tensor(X.values)\n"
        "target = torch.tensor(y.values, dtype=torch.float32).unsqueeze(1)\n"
        "for _ in range(50):\n"
        "    optimizer.zero_grad()\n"
        "    loss = torch.nn.functional.binary_cross_entropy_with_logits(model(inputs), target)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "model = model.eval()"
    ),
}
DISTRIBUTION = {"xgboost": "xgboost", "lightgbm": "lightgbm", "pytorch": "torch"}


def in_memory_predictions(ip, flavor: str):
    if flavor == "pytorch":
        import torch

        with torch.no_grad():
            return ip.user_ns["model"](torch.tensor(ip.user_ns["X"].values)).numpy()
    return ip.user_ns["model"].predict(ip.user_ns["X"])


def installed(module: str) -> str:
    """``dist==version`` of whichever distribution provides ``module`` (xgboost-cpu, say)."""
    dist = metadata.packages_distributions()[module][0]
    return f"{dist}=={metadata.version(dist)}"


@pytest.mark.slow
@pytest.mark.parametrize("flavor", sorted(FITS))
def test_library_models_register_with_their_flavor_and_predict_the_same(ip, flavor, capsys):
    for source in (DATA, FITS[flavor]):
        result = run(ip, source)
        assert result.success, result.error_in_exec
    ip.run_line_magic("register", f"model --name {flavor}-model --alias champion")
    assert f"({flavor})" in capsys.readouterr().out

    version = client().get_model_version(f"{flavor}-model", "1")
    assert version.tags["mlops.model.flavor"] == flavor
    import mlflow.pyfunc

    uri = f"models:/{flavor}-model@champion"
    loaded = mlflow.pyfunc.load_model(uri)
    assert flavor in loaded.metadata.flavors  # logged by the library's own flavor, not a wrapper
    served = np.asarray(loaded.predict(ip.user_ns["X"])).reshape(-1)
    assert np.allclose(served, np.asarray(in_memory_predictions(ip, flavor)).reshape(-1), atol=1e-6)

    # pinned to the distribution and version the kernel runs (xgboost may come as xgboost-cpu)
    requirements = Path(mlflow.pyfunc.get_model_dependencies(uri)).read_text().splitlines()
    module = DISTRIBUTION[flavor]
    providers = set(metadata.packages_distributions()[module])
    pinned = [line for line in requirements if line.split("==")[0] in providers]
    assert pinned == [installed(module)], requirements
