"""Policy files: a good one loads with its paths resolved; each mistake names its line."""

from __future__ import annotations

import pytest

from jupyter_mlops.core.lifecycle import policy as policies

GOOD = """\
model: churn
alias: champion
triggers:
  drift: true
  schedule: "0 3 * * *"
  data: [data/train.csv]
retrain:
  notebook: train.ipynb
  params: {C: 0.5}
  model: model
gate:
  holdout: data/holdout.csv
  target: y
  metric: accuracy
  min_improvement: 0.01
  require: "metrics.accuracy >= 0.7"
promotion:
  rollover: true
"""


@pytest.fixture
def base(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("a,y\n1,0\n")
    (tmp_path / "data" / "holdout.csv").write_text("a,y\n1,0\n")
    (tmp_path / "train.ipynb").write_text("{}")
    (tmp_path / "policies").mkdir()
    return tmp_path


def write(base, text: str, name: str = "churn"):
    (base / "policies" / f"{name}.yaml").write_text(text)


def test_a_good_policy_loads_with_paths_beside_the_notebook(base):
    write(base, GOOD)
    policy = policies.load(base, "churn")
    assert (policy.model, policy.alias, policy.drift, policy.schedule) == ("churn", "champion", True, "0 3 * * *")
    assert policy.data == [base / "data" / "train.csv"] and policy.notebook == base / "train.ipynb"
    assert policy.params == {"C": 0.5} and policy.min_improvement == 0.01 and policy.higher_is_better
    assert policy.relative(policy.path) == "policies/churn.yaml" and policy.text_hash


@pytest.mark.parametrize(("change", "line", "words"), [
    (("  drift: true", "  drift: maybe"), 4, "`drift:` must be true or false"),
    (('  schedule: "0 3 * * *"', '  schedule: "every day"'), 5, "not a cron expression"),
    (("  data: [data/train.csv]", "  data: [data/nosuch.csv]"), 6, "no such file"),
    (("  notebook: train.ipynb", "  notebook: data/train.csv"), 8, "not a .ipynb file"),
    (("  metric: accuracy", "  metric: auc"), 14, "is not one of accuracy"),
    (("  min_improvement: 0.01", "  min_improvement: -1"), 15, "between 0 and 10"),
    (('  require: "metrics.accuracy >= 0.7"', '  require: "metrics.accuracy >="'), 16, "does not parse"),
    (('  require: "metrics.accuracy >= 0.7"', '  require: "metrics.loss < 1"'), 16, "measures only"),
    (("  rollover: true", "  rollover: 3"), 18, "`rollover:` must be true or false"),
    (("  target: y", "  target: y\n  tolerance: 3"), 14, "unknown key 'tolerance'"),
    (("model: churn", "model: churn\nmodel: other"), 2, "'model' is given twice"),
    (("  params: {C: 0.5}", "  params: {C: 0.5"), 10, "not valid YAML"),
])
def test_each_mistake_names_its_line(base, change, line, words):
    write(base, GOOD.replace(*change))
    with pytest.raises(policies.PolicyError) as caught:
        policies.load(base, "churn")
    assert f"churn.yaml, line {line}:" in caught.value.message and words in caught.value.message, caught.value.message
    assert caught.value.details["line"] == line


def test_missing_sections_triggers_and_unknown_policies(base):
    write(base, "model: churn\ntriggers: {drift: true}\nretrain: {notebook: train.ipynb}\n")
    with pytest.raises(policies.PolicyError, match="line 1: the policy has no `gate:` section"):
        policies.load(base, "churn")
    write(base, GOOD.replace("  drift: true\n  schedule: \"0 3 * * *\"\n  data: [data/train.csv]\n", "  {}\n"))
    with pytest.raises(policies.PolicyError, match="no trigger"):
        policies.load(base, "churn")
    write(base, "")
    with pytest.raises(policies.PolicyError, match="line 1: the file is empty"):
        policies.load(base, "churn")
    with pytest.raises(policies.UnknownPolicy, match=r"No policy 'nosuch'.*known: churn"):
        policies.load(base, "nosuch")
    write(base, GOOD.replace("  notebook: train.ipynb", "  notebook: train.ipynb\n  package: x"))
    with pytest.raises(policies.PolicyError, match="one of `notebook:`"):
        policies.load(base, "churn")
    write(base, GOOD.replace("  data: [data/train.csv]", "  data: []").replace("  metric: accuracy",
                                                                              "  contract: train"))
    with pytest.raises(policies.PolicyError, match="line 14: `contract:` validates the retraining data"):
        policies.load(base, "churn")


def test_policies_are_found_under_the_root_and_give_the_dag_its_schedule(base):
    from jupyter_mlops.core.lifecycle import airflow_trigger

    nested = base / "team" / "churn"
    (nested / "data").mkdir(parents=True)
    for name in ("train.csv", "holdout.csv"):
        (nested / "data" / name).write_text("a,y\n1,0\n")
    (nested / "train.ipynb").write_text("{}")
    (nested / "policies").mkdir()
    (nested / "policies" / "churn.yaml").write_text(GOOD)
    (base / ".hidden" / "policies").mkdir(parents=True)
    (base / ".hidden" / "policies" / "x.yaml").write_text("not: [valid")
    write(base, GOOD.replace("model: churn", "model: other"), "other")
    loaded, errors = policies.load_all(base)
    assert sorted((p.model, p.base) for p in loaded) == [("churn", nested), ("other", base)] and errors == []
    assert airflow_trigger(nested / "train.ipynb", root=base) == {
        "policy": "policies/churn.yaml", "model": "churn", "schedule": "0 3 * * *",
        "assets": [(nested / "data" / "train.csv").as_uri()], "params": {"C": 0.5}}
    assert airflow_trigger(base / "nosuch.ipynb", root=base) is None
