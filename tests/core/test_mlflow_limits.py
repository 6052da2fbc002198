"""Values MLflow refuses (issue #12, part 4): checked before anything runs, and a run is
never left RUNNING because the store refused one value."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from mlops_testing import all_runs, client, run


def test_our_copy_of_mlflows_limits_matches_mlflow():
    from mlflow.store.model_registry.dbmodels.models import SqlRegisteredModel
    from mlflow.store.tracking.dbmodels.models import SqlExperiment, SqlRun
    from mlflow.utils import validation

    from jupyter_mlops.core import names

    assert names.MLFLOW_MAX_KEY_LENGTH == validation.MAX_ENTITY_KEY_LENGTH
    assert names.MLFLOW_MAX_TAG_VALUE_LENGTH == validation.MAX_TAG_VAL_LENGTH
    assert names.MLFLOW_MAX_PARAM_VALUE_LENGTH == validation.MAX_PARAM_VAL_LENGTH
    assert names.MAX_TAG_VALUE <= validation.MAX_TAG_VAL_LENGTH
    assert names.MLFLOW_MAX_EXPERIMENT_NAME_LENGTH == min(validation.MAX_EXPERIMENT_NAME_LENGTH,
                                                          SqlExperiment.name.type.length)
    assert names.MLFLOW_MAX_RUN_NAME_LENGTH == SqlRun.name.type.length
    assert names.MLFLOW_MAX_MODEL_NAME_LENGTH == SqlRegisteredModel.name.type.length
    assert names.MLFLOW_MAX_MODEL_TAG_KEY_LENGTH == validation.MAX_MODEL_REGISTRY_TAG_KEY_LENGTH
    assert names.MLFLOW_MAX_MODEL_TAG_VALUE_LENGTH == validation.MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH
    assert names.MLFLOW_MAX_ALIAS_LENGTH == validation.MAX_REGISTERED_MODEL_ALIAS_LENGTH


@pytest.mark.parametrize("key", ["k" * 251, "../up", "/lead", "a//b", "trail/", ".", "a/./b"])
def test_keys_we_refuse_are_keys_mlflow_refuses(key):
    from mlflow.exceptions import MlflowException
    from mlflow.utils.validation import _validate_tag

    from jupyter_mlops.core.tracking.capture import key_problem

    assert key_problem(key)
    with pytest.raises(MlflowException):
        _validate_tag(key, "v")


@pytest.mark.parametrize("key", ["k" * 250, "a/b", "a.b-c d", "x:y", "0"])
def test_keys_mlflow_takes_are_taken(key):
    from mlflow.utils.validation import _validate_tag

    from jupyter_mlops.core.tracking.capture import key_problem

    assert key_problem(key) is None
    _validate_tag(key, "v")


LONG = "k" * 300


@pytest.mark.parametrize(("line", "message"), [
    (f"%%track --tag {LONG}=v", "MLflow allows at most 250"),
    (f"%%track --param {LONG}=v", "MLflow allows at most 250"),
    ("%%track --tag ../up=v", "is a path MLflow refuses"),
    (f"%%track --tag t={'v' * 8001}", "MLflow keeps at most 8000"),
    (f"%%track --param p={'v' * 6001}", "MLflow keeps at most 6000"),
    (f"%%track --name {'n' * 1000}", "--name is 1000 characters long"),
    (f"%%track --experiment {'e' * 300}", "--experiment is 300 characters long"),
    (f"%%track -m {'m' * 251}", "MLflow allows at most 250"),
])
def test_track_refuses_what_mlflow_would_refuse_before_the_cell_runs(ip, line, message):
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.tracking.journal import Journal

    ip.user_ns["ran"] = False
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        ip.run_cell_magic("track", line.removeprefix("%%track "), "ran = True")
    assert ip.user_ns["ran"] is False
    assert Journal(resolve().state_dir).conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_a_refused_value_leaves_the_rest_and_the_run_finished(mlops_root):
    """Past the magic's checks (a script's tags, a metric dict's keys, a future MLflow
    rule): what MLflow refuses is left out and named, the run still ends."""
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.tracking.drainer import Drainer
    from jupyter_mlops.core.tracking.journal import Journal

    settings = resolve()
    journal = Journal(settings.state_dir)
    key = journal.open_run(settings.tracking_uri, "limits", {"start": {"run_name": "n" * 1000, "tags": {}}})
    journal.append(key, {
        "tags": {LONG: "v", "good": "yes", "nul": "a\x00b"},
        "params": {LONG: "1", "lr": "0.1"},
        "metrics": [[LONG, 1.0, 1000, 0], ["acc", 0.9, 1000, 0]],
        "datasets": [{"name": "df", "digest": "d" * 100, "role": "input", "columns": [], "shape": [1, 1]}],
        "end": {"status": "FINISHED", "end_time": 2000},
    }, finish=True)
    Drainer(journal).drain(timeout=120)
    assert journal.backlog() == 0 and not journal.failed()
    (found,) = [r for r in all_runs("limits")]
    assert found.info.status == "FINISHED"
    assert found.info.run_name == "n" * 250
    assert found.data.tags["good"] == "yes" and found.data.tags["nul"] == "ab"
    assert found.data.params == {"lr": "0.1"} and found.data.metrics == {"acc": 0.9}
    warning = found.data.tags["mlops.warning"]
    assert "not written, MLflow refused" in warning and "250" in warning and "datasets ['df']" in warning


def test_entries_that_fail_for_good_still_end_the_run(mlops_root, monkeypatch):
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.tracking import drainer as drainer_module
    from jupyter_mlops.core.tracking.drainer import Drainer
    from jupyter_mlops.core.tracking.journal import Journal
    from jupyter_mlops.core.tracking.sink import Sink

    def refuse(*args, **kwargs):  # an artifact store that refuses every upload, for good
        raise RuntimeError("artifact store refused the upload")

    monkeypatch.setattr(Sink, "_log_blobs", staticmethod(refuse))
    monkeypatch.setattr(drainer_module, "MAX_ATTEMPTS", 2)
    settings = resolve()
    journal = Journal(settings.state_dir)
    key = journal.open_run(settings.tracking_uri, "give-up", {"start": {"run_name": "r", "tags": {}}})
    journal.append(key, {"end": {"status": "FINISHED", "end_time": 2000}}, {"a.txt": b"x"}, finish=True)
    worker = Drainer(journal)
    for _ in range(3):
        worker.drain_round()
    assert journal.failed()
    (found,) = all_runs("give-up")
    assert found.info.status == "FINISHED"
    assert "artifact store refused" in found.data.tags["mlops.warning"]


def test_track_magic_with_a_bad_metric_key_finishes(ip):
    run(ip, "%%track -q -e dictmetrics -m scores\nscores = {'ok': 1.0, 'bad?key': 2.0, 'k' * 300: 3.0}")
    from mlops_testing import sync

    sync(ip)
    (found,) = [r for r in all_runs("dictmetrics") if r.data.tags.get("mlops.kind") == "cell"]
    assert found.info.status == "FINISHED" and found.data.metrics == {"ok": 1.0}
    assert "it was not logged" in found.data.tags["mlops.warning"]
    assert client().get_run(found.info.run_id).info.status == "FINISHED"
