"""%register and lineage against ``mlflow server`` on PostgreSQL with proxied artifacts."""

from __future__ import annotations

import os

import numpy as np
import pytest
from mlflow import MlflowClient

from jupyter_mlops.core.lineage.graph import lineage_graph


@pytest.mark.postgres
def test_register_and_lineage_on_a_shared_server(ip, mlflow_server):
    os.environ["MLFLOW_TRACKING_URI"] = mlflow_server.url
    from jupyter_mlops.kernel import load_ipython_extension

    load_ipython_extension(ip)  # the magics now resolve the server
    from mlops_testing import run

    run(ip, "import numpy as np, pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
            "raw = pd.DataFrame({'a': np.linspace(0, 1, 200), 'b': np.linspace(1, 0, 200) ** 2})")
    run(ip, "%%track -q --name features\nX = raw[['a', 'b']] * 2\ny = (raw.a > 0.5).astype(int)")
    run(ip, "%%track -q --name fit -m accuracy\nmodel = LogisticRegression().fit(X, y)\n"
            "accuracy = float(model.score(X, y))")
    name = f"churn-{os.getpid()}-{id(ip) % 1000}"
    ip.run_line_magic("register", f'model --name {name} --alias champion --require "metrics.accuracy > 0.5"')
    import mlflow.pyfunc

    loaded = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    X = ip.user_ns["X"]
    assert np.array_equal(loaded.predict(X), ip.user_ns["model"].predict(X))
    graph = lineage_graph(MlflowClient(mlflow_server.url), model=name)
    assert {n["label"] for n in graph["nodes"] if n["kind"] == "run"} == {"features", "fit"}
    assert any(e["kind"] == "feeds" for e in graph["edges"])
    from jupyter_mlops.core.models.catalog import model_detail
    from jupyter_mlops.core.models.deploy import list_deployments

    # the tag filter works over REST too (the server is shared: other tests' models may be deployed)
    assert list_deployments(mlflow_server.url, name=name) == []
    assert model_detail(mlflow_server.url, name)["versions"][0]["aliases"] == ["champion"]
