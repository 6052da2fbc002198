"""%register in a real IPython shell against the embedded store."""

from __future__ import annotations

import json

import numpy as np
import pytest
from IPython.core.error import UsageError

from mlops_testing import client, run


def version_of(name: str, version: str = "1"):
    return client().get_model_version(name, version)


def aliases(name: str) -> dict[str, str]:
    return {k: str(v) for k, v in client().get_registered_model(name).aliases.items()}


def producing_run_id(ip, variable: str = "model") -> str:
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.tracking.session import get_session

    session = get_session(resolve())
    return session.wait_for_run_id(session.writers[variable])


def test_register_logs_serves_and_links_a_tracked_model(trained, capsys):
    ip = trained
    ip.run_line_magic("register", 'model --name churn --alias champion --require "metrics.accuracy >= 0.8"')
    out = capsys.readouterr().out
    assert "Registered churn v1 @champion (sklearn)" in out and "metrics.accuracy = " in out
    import mlflow.pyfunc

    loaded = mlflow.pyfunc.load_model("models:/churn@champion")
    X = ip.user_ns["X"]
    assert np.array_equal(loaded.predict(X), ip.user_ns["model"].predict(X))

    mv = version_of("churn")
    source = producing_run_id(ip)
    assert mv.run_id == source and mv.tags["mlops.model.source_run"] == source
    assert aliases("churn") == {"champion": "1"}
    assert mv.tags["mlops.model.variable"] == "model" and mv.tags["mlops.model.flavor"] == "sklearn"
    from jupyter_mlops.core.tracking.fingerprint import fingerprint

    datasets = json.loads(mv.tags["mlops.model.datasets"])
    assert {"name": "X", "digest": fingerprint(X).digest, "role": "input"} in datasets
    assert mv.tags["mlops.model.gate"] == "metrics.accuracy >= 0.8"
    # a signature and an input example inferred from X, requirements pinned from this kernel
    from mlflow.models import get_model_info

    info = get_model_info("models:/churn/1")
    assert [c.name for c in info.signature.inputs.inputs] == ["a", "b"]
    from pathlib import Path

    import sklearn

    requirements = Path(mlflow.pyfunc.get_model_dependencies("models:/churn/1")).read_text()
    assert f"scikit-learn=={sklearn.__version__}" in requirements
    assert f"mlflow=={mlflow.__version__}" in requirements
    # the logged model hangs off the tracked run, which is otherwise untouched
    source_run = client().get_run(source)
    assert source_run.info.status == "FINISHED"
    assert [o.model_id for o in source_run.outputs.model_outputs] == [mv.source.split('/')[-1]]


@pytest.mark.slow
def test_a_second_registration_is_a_new_version_and_moves_the_alias(trained):
    ip = trained
    ip.run_line_magic("register", "model --name churn --alias champion")
    run(ip, "%%track -q\nmodel = LogisticRegression(C=0.1).fit(X, y)")
    ip.run_line_magic("register", "model -n churn -a champion -a candidate -d 'smaller C' -t owner=ana")
    assert aliases("churn") == {"champion": "2", "candidate": "2"}
    second = version_of("churn", "2")
    assert second.description == "smaller C" and second.tags["owner"] == "ana"
    assert second.run_id != version_of("churn", "1").run_id


@pytest.mark.slow
def test_failed_gate_registers_nothing_and_says_which_value(trained):
    with pytest.raises(UsageError) as failed:
        trained.run_line_magic("register", 'model --name churn --require "metrics.accuracy >= 0.999"')
    assert "metrics.accuracy = 0.9" in str(failed.value) and "nothing was registered" in str(failed.value)
    with pytest.raises(UsageError, match="no metric 'f1'"):
        trained.run_line_magic("register", 'model --name churn --require "metrics.f1 > 0.5"')
    assert client().search_registered_models() == []
    assert all(not r.outputs.model_outputs for r in client().search_runs(
        [e.experiment_id for e in client().search_experiments()]))


@pytest.mark.slow
def test_gate_expressions_that_are_not_allowed(trained):
    for gate, message in [
        ("metrics.accuracy >=", "does not parse"),
        ("__import__('os').system('true')", "is not allowed"),
        ("metrics.accuracy.real > 1", "is not allowed"),
        ("0.9", "compares nothing"),
    ]:
        with pytest.raises(UsageError, match=message):
            trained.run_line_magic("register", f'model --name churn --require "{gate}"')
    assert client().search_registered_models() == []


@pytest.mark.slow
def test_bad_input_is_a_usage_error_and_registers_nothing(trained):
    ip = trained
    run(ip, "from sklearn.tree import DecisionTreeClassifier\nunfitted = DecisionTreeClassifier()")
    cases = [
        ("nothing_here --name churn", "No variable 'nothing_here'"),
        ("X --name churn", "is not a model: it has no predict"),
        ("unfitted --name churn", "not fitted yet"),
        ("model --name churn --run 0123456789abcdef0123456789abcdef", "No run '0123456789abcdef0123456789abcdef'"),
        ("model --name churn --alias v2", "Alias 'v2' is not allowed"),
        ("model --name churn/x", "not valid"),
        ("model --name churn --tag novalue", "not KEY=VALUE"),
    ]
    for line, message in cases:
        with pytest.raises(UsageError, match=message):
            ip.run_line_magic("register", line)
    assert client().search_registered_models() == []


@pytest.mark.slow
def test_any_object_with_predict_is_registered_as_pyfunc(ip):
    run(ip, "import pandas as pd\nclass Doubler:\n    def predict(self, frame):\n        return frame['x'] * 2\n")
    run(ip, "%%track -q\ninputs = pd.DataFrame({'x': [1.0, 2.0, 3.0]})\ndoubler = Doubler()\n"
            "check = doubler.predict(inputs)")
    ip.run_line_magic("register", "doubler --name doubler --alias prod")
    import mlflow.pyfunc
    import pandas as pd

    loaded = mlflow.pyfunc.load_model("models:/doubler@prod")
    assert list(loaded.predict(pd.DataFrame({"x": [5.0, 7.0]}))) == [10.0, 14.0]
    assert version_of("doubler").tags["mlops.model.flavor"] == "pyfunc"


def test_python_api_registers_from_a_script(mlops_root):
    from mlflow import MlflowClient
    from sklearn.linear_model import LinearRegression

    import jupyter_mlops
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.models.registry import register_model

    X = np.arange(20.0).reshape(10, 2)
    with jupyter_mlops.track("script fit") as tracked:
        model = LinearRegression().fit(X, X.sum(axis=1))
        tracked.log_metric("r2", model.score(X, X.sum(axis=1)))
    from jupyter_mlops.core.tracking.session import get_session

    get_session(resolve()).sync(timeout=60)
    reg = register_model(model, "summer", run_id=tracked.run_id, aliases=["prod"], input_example=X[:3],
                         require="metrics.r2 > 0.99")
    assert reg.gate == {"metrics.r2": pytest.approx(1.0)}
    assert reg.version == "1" and reg.model_uri == "models:/summer/1"
    assert json.loads(json.dumps(reg.to_dict()))["aliases"] == ["prod"]
    assert dict(MlflowClient(resolve().tracking_uri).get_registered_model("summer").aliases) == {"prod": 1}


def test_a_failure_half_way_undoes_everything(mlops_root, monkeypatch):
    """Aliases are the last step: when setting one fails, the version, the new registered
    model and the logged model are deleted again."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException
    from sklearn.linear_model import LinearRegression

    from jupyter_mlops.core.models.registry import register_model

    X = np.arange(20.0).reshape(10, 2)
    model = LinearRegression().fit(X, X.sum(axis=1))

    def refuse(*args, **kwargs):
        raise MlflowException("the registry went away")

    monkeypatch.setattr(MlflowClient, "set_registered_model_alias", refuse)
    with pytest.raises(MlflowException, match="went away"):
        register_model(model, "summer", aliases=["prod"], input_example=X[:2])
    assert client().search_registered_models() == []
    experiments = [e.experiment_id for e in client().search_experiments()]
    assert client().search_logged_models(experiments, max_results=10) == []


@pytest.mark.slow
def test_models_as_json_for_the_server(trained):
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.models.catalog import ModelNotFound, list_models, model_detail

    trained.run_line_magic("register", "model --name churn --alias champion")
    uri = resolve().tracking_uri
    listed = list_models(uri, name_contains="CHU")
    assert [m["name"] for m in listed["models"]] == ["churn"] and listed["models"][0]["aliases"] == {"champion": "1"}
    detail = json.loads(json.dumps(model_detail(uri, "churn")))
    [version] = detail["versions"]
    assert version["aliases"] == ["champion"] and version["run_id"] == producing_run_id(trained)
    assert version["lineage"]["variable"] == "model" and version["lineage"]["datasets"]
    assert version["model_id"].startswith("m-") and version["deployments"] == []
    with pytest.raises(ModelNotFound):
        model_detail(uri, "nosuch")


def test_a_model_from_an_untracked_cell_is_registered_without_lineage(ip, capsys):
    run(ip, "import numpy as np\nfrom sklearn.linear_model import LinearRegression\n"
            "Xs = np.arange(20.0).reshape(10, 2)\nlone = LinearRegression().fit(Xs, Xs.sum(axis=1))")
    with pytest.raises(UsageError, match="--require needs a source run"):
        ip.run_line_magic("register", 'lone --name lone --require "metrics.r2 > 0"')
    ip.run_line_magic("register", "lone --name lone --example Xs")
    assert "no tracked run wrote 'lone'" in capsys.readouterr().out
    mv = version_of("lone")
    assert not mv.run_id and "mlops.model.source_run" not in mv.tags
    import mlflow.pyfunc

    assert np.allclose(mlflow.pyfunc.load_model("models:/lone/1").predict(ip.user_ns["Xs"]),
                       ip.user_ns["lone"].predict(ip.user_ns["Xs"]))
