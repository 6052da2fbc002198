"""%register of every common estimator, in a real IPython shell on the embedded store: each
is fitted in a %%track cell, registered, and the stock
``mlflow.pyfunc.load_model("models:/NAME@champion")`` predicts exactly what the object in
memory predicts (predict_proba too, for classifiers that have it).

scikit-learn models are stored with skops; tree models need scikit-learn's own tree types
trusted, and exactly those are (flavors.py).  A model skops cannot store falls back to
cloudpickle and says so; a model that cannot be stored at all leaves nothing behind."""

from __future__ import annotations

import numpy as np
import pytest
from IPython.core.error import UsageError

from mlops_testing import client, run

DATA = (
    "import numpy as np, pandas as pd\n"
    "rng = np.random.default_rng(3)\n"
    "raw = pd.DataFrame({'a': rng.random(120), 'b': rng.random(120), 'c': rng.choice(['x', 'y', 'z'], 120)})"
)
TWO_COLUMNS = "X = raw[['a', 'b']]\ny = (raw.a + raw.b > 1).astype(int)\n"
REGRESSION = "X = raw[['a', 'b']]\ny = raw.a * 2 + raw.b\n"

# name -> (imports and fit, in one %%track cell; the types skops is told to trust)
SKLEARN = {
    "logistic": ("from sklearn.linear_model import LogisticRegression\n" + TWO_COLUMNS +
                 "model = LogisticRegression().fit(X, y)", []),
    "random-forest": ("from sklearn.ensemble import RandomForestClassifier\n" + TWO_COLUMNS +
                      "model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)",
                      ["sklearn.tree._tree.Tree"]),
    "random-forest-regressor": ("from sklearn.ensemble import RandomForestRegressor\n" + REGRESSION +
                                "model = RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y)",
                                ["sklearn.tree._tree.Tree"]),
    "extra-trees": ("from sklearn.ensemble import ExtraTreesClassifier\n" + TWO_COLUMNS +
                    "model = ExtraTreesClassifier(n_estimators=5, random_state=0).fit(X, y)",
                    ["sklearn.tree._tree.Tree"]),
    "decision-tree": ("from sklearn.tree import DecisionTreeClassifier\n" + TWO_COLUMNS +
                      "model = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y)",
                      ["sklearn.tree._tree.Tree"]),
    "gradient-boosting": ("from sklearn.ensemble import GradientBoostingClassifier\n" + TWO_COLUMNS +
                          "model = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, y)",
                          ["sklearn.tree._tree.Tree"]),
    "hist-gradient-boosting": ("from sklearn.ensemble import HistGradientBoostingClassifier\n" + TWO_COLUMNS +
                               "model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)",
                               ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]),
    "knn": ("from sklearn.neighbors import KNeighborsClassifier\n" + TWO_COLUMNS +
            "model = KNeighborsClassifier(n_neighbors=5).fit(X, y)",
            ["sklearn.metrics._dist_metrics.EuclideanDistance64", "sklearn.neighbors._kd_tree.KDTree"]),
    "svc": ("from sklearn.svm import SVC\n" + TWO_COLUMNS +
            "model = SVC(probability=True, random_state=0).fit(X, y)", []),
    "pipeline": (
        "from sklearn.compose import ColumnTransformer\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "from sklearn.pipeline import Pipeline\n"
        "from sklearn.preprocessing import OneHotEncoder, StandardScaler\n"
        "X = raw\ny = ((raw.a > 0.5) | (raw.c == 'x')).astype(int)\n"
        "model = Pipeline([('prepare', ColumnTransformer([('categories', OneHotEncoder(), ['c']),\n"
        "                                                 ('numbers', StandardScaler(), ['a', 'b'])])),\n"
        "                  ('forest', RandomForestClassifier(n_estimators=5, random_state=0))]).fit(X, y)",
        ["sklearn.tree._tree.Tree"]),
    "isolation-forest": ("from sklearn.ensemble import IsolationForest\n" + TWO_COLUMNS +
                         "model = IsolationForest(n_estimators=5, random_state=0).fit(X)",
                         ["sklearn.tree._tree.Tree"]),
    "kmeans": ("from sklearn.cluster import KMeans\n" + TWO_COLUMNS +
               "model = KMeans(n_clusters=3, n_init=1, random_state=0).fit(X)", []),
}
LIBRARIES = {
    "xgboost": "import xgboost\n" + TWO_COLUMNS +
               "model = xgboost.XGBClassifier(n_estimators=10, max_depth=3).fit(X, y)",
    "lightgbm": "import lightgbm\n" + TWO_COLUMNS +
                "model = lightgbm.LGBMClassifier(n_estimators=10, verbose=-1).fit(X, y)",
    "pytorch": (
        "import torch\n"
        "torch.manual_seed(0)\n"
        "X = raw[['a', 'b']].astype('float32')\ny = (raw.a + raw.b > 1).astype(int)\n"
        "model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "target = torch.tensor(y.values, dtype=torch.float32).unsqueeze(1)\n"
        "for _ in range(30):\n"
        "    optimizer.zero_grad()\n"
        "    torch.nn.functional.binary_cross_entropy_with_logits(model(torch.tensor(X.values)), target).backward()\n"
        "    optimizer.step()\n"
        "model = model.eval()"
    ),
}


def fit_and_register(ip, fit: str, name: str, options: str = "") -> str:
    for source in (DATA, "%%track -q --name fit\n" + fit):
        result = run(ip, source)
        assert result.success, result.error_in_exec
    ip.run_line_magic("register", f"model --name {name} --alias champion {options}".strip())
    return f"models:/{name}@champion"


def in_memory(ip, flavor: str):
    model, X = ip.user_ns["model"], ip.user_ns["X"]
    if flavor == "pytorch":
        import torch

        with torch.no_grad():
            return model(torch.tensor(X.values)).numpy()
    return model.predict(X)


def same(served, expected) -> bool:
    return np.array_equal(np.asarray(served).reshape(-1), np.asarray(expected).reshape(-1))


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(SKLEARN))
def test_sklearn_estimators_register_with_skops_and_predict_exactly_the_same(ip, case, capsys):
    fit, trusted = SKLEARN[case]
    uri = fit_and_register(ip, fit, case)
    out = capsys.readouterr().out
    assert f"Registered {case} v1 @champion (sklearn)" in out, out
    assert "cloudpickle" not in out

    import mlflow.pyfunc

    loaded = mlflow.pyfunc.load_model(uri)
    conf = loaded.metadata.flavors["sklearn"]
    assert conf["serialization_format"] == "skops"
    assert sorted(conf.get("skops_trusted_types") or []) == trusted  # exactly what skops named, nothing more
    X = ip.user_ns["X"]
    assert same(loaded.predict(X), in_memory(ip, "sklearn"))
    model = ip.user_ns["model"]
    raw = loaded.get_raw_model()
    for method in ("predict_proba", "decision_function", "score_samples"):
        if hasattr(model, method):
            assert np.array_equal(getattr(raw, method)(X), getattr(model, method)(X)), method
    requirements = open(mlflow.pyfunc.get_model_dependencies(uri)).read().splitlines()
    assert any(line.startswith("skops==") for line in requirements), requirements


@pytest.mark.slow
@pytest.mark.parametrize("flavor", sorted(LIBRARIES))
def test_library_models_register_and_predict_exactly_the_same(ip, flavor):
    uri = fit_and_register(ip, LIBRARIES[flavor], f"{flavor}-matrix")
    import mlflow.pyfunc

    loaded = mlflow.pyfunc.load_model(uri)
    assert flavor in loaded.metadata.flavors
    assert same(loaded.predict(ip.user_ns["X"]), in_memory(ip, flavor))
    if flavor != "pytorch":
        raw = loaded.get_raw_model()
        assert np.array_equal(raw.predict_proba(ip.user_ns["X"]), ip.user_ns["model"].predict_proba(ip.user_ns["X"]))


LAMBDA_PIPELINE = (
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.pipeline import make_pipeline\n"
    "from sklearn.preprocessing import FunctionTransformer\n" + TWO_COLUMNS +
    "model = make_pipeline(FunctionTransformer(lambda frame: frame * 10), LogisticRegression()).fit(X, y)"
)


@pytest.mark.slow
def test_a_model_skops_cannot_store_is_stored_with_cloudpickle_and_says_why(ip, capsys):
    uri = fit_and_register(ip, LAMBDA_PIPELINE, "scaled")
    out = capsys.readouterr().out
    assert "note: stored with cloudpickle (skops cannot store it: it holds __main__.<lambda>" in out, out
    import mlflow.pyfunc

    loaded = mlflow.pyfunc.load_model(uri)
    assert loaded.metadata.flavors["sklearn"]["serialization_format"] == "cloudpickle"
    assert same(loaded.predict(ip.user_ns["X"]), in_memory(ip, "sklearn"))


def nothing_registered(experiment_ids=None) -> bool:
    mlflow = client()
    ids = experiment_ids or [e.experiment_id for e in mlflow.search_experiments()]
    return not mlflow.search_registered_models() and not mlflow.search_model_versions() \
        and not mlflow.search_logged_models(experiment_ids=ids)


@pytest.mark.slow
def test_serialization_skops_refuses_what_only_pickle_can_store_with_a_short_message(ip):
    for source in (DATA, "%%track -q --name fit\n" + LAMBDA_PIPELINE):
        assert run(ip, source).success
    with pytest.raises(UsageError) as failure:
        ip.run_line_magic("register", "model --name scaled --serialization skops")
    message = str(failure.value)
    assert "cannot be stored with skops: it holds __main__.<lambda>" in message
    assert "Leave out --serialization" in message and len(message) < 400, message
    with pytest.raises(UsageError, match="applies to scikit-learn models"):
        run(ip, "class Echo:\n    def predict(self, frame):\n        return frame\necho = Echo()")
        ip.run_line_magic("register", "echo --name echo --serialization skops --example X")
    assert nothing_registered()


def test_a_model_that_cannot_be_stored_leaves_nothing_behind(mlops_root):
    """The artifact store fails mid-log (its folder is under a plain file): a short
    RegistrationError names the step and what to do; no logged model, model or version stays."""
    from sklearn.ensemble import RandomForestClassifier

    from jupyter_mlops.core import store
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.models.registry import RegistrationError, register_model

    settings = resolve()
    store.prepare(settings)
    blocker = mlops_root / "not-a-folder"
    blocker.write_text("")
    broken = client().create_experiment("broken", artifact_location=(blocker / "artifacts").as_uri())
    rng = np.random.default_rng(0)
    X = rng.random((40, 2))
    model = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, (X[:, 0] > 0.5).astype(int))
    with pytest.raises(RegistrationError) as failure:
        register_model(model, "forest", tracking_uri=settings.tracking_uri, experiment="broken",
                       input_example=X[:5], aliases=["champion"])
    message = str(failure.value)
    assert message.startswith("Registering this RandomForestClassifier failed while storing it with the "
                              "sklearn flavor (skops): "), message
    assert "Nothing was registered and the logged model was deleted" in message and len(message) < 700, message
    assert nothing_registered([broken])
