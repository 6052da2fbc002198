"""JUPYTER_MLOPS_DRAINER: a drainer process (the default) or a thread of the tracking process."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

import jupyter_mlops
from jupyter_mlops.core.config import resolve
from jupyter_mlops.core.tracking import drainer
from jupyter_mlops.core.tracking.session import get_session
from mlops_testing import client


def drainer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("jupyter-mlops-drainer:")]


def test_mode_defaults_to_a_process_and_names_a_bad_value(monkeypatch, caplog):
    monkeypatch.delenv("JUPYTER_MLOPS_DRAINER", raising=False)
    assert drainer.mode() == "process"
    monkeypatch.setenv("JUPYTER_MLOPS_DRAINER", " Thread ")
    assert drainer.mode() == "thread"
    monkeypatch.setenv("JUPYTER_MLOPS_DRAINER", "fork")
    with caplog.at_level(logging.WARNING, logger="jupyter_mlops.drainer"):
        assert drainer.mode() == "process"
    assert "JUPYTER_MLOPS_DRAINER=fork is not one of process, thread" in caplog.text


def test_a_thread_drains_the_journal_holds_the_lock_and_exits_when_idle(mlops_root):
    os.environ["JUPYTER_MLOPS_DRAINER_IDLE"] = "2"
    settings = resolve()
    with jupyter_mlops.track("in-thread", experiment="modes", params={"lr": 0.1}, activate=False) as run:
        run.log_metric("loss", 0.5)
    assert get_session(settings).sync(timeout=60) == 0
    assert drainer.is_running(settings.state_dir)  # a thread holds the one drainer lock, idle for 2 s
    assert not drainer.ensure_running(settings.state_dir)  # so no second drainer starts
    threads = [t for t in drainer_threads() if str(settings.state_dir) in t.name]
    assert threads
    [stored] = client().search_runs([client().get_experiment_by_name("modes").experiment_id])
    assert (stored.data.params, stored.data.metrics, stored.info.status) == ({"lr": "0.1"}, {"loss": 0.5}, "FINISHED")
    assert not (settings.state_dir / "drainer.log").exists()  # no process was started
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    assert not drainer.is_running(settings.state_dir)


def test_a_thread_drainer_writes_what_is_pending_before_its_process_exits(mlops_root):
    script = (
        "import jupyter_mlops\n"
        "for i in range(5):\n"
        "    with jupyter_mlops.track(f'exit-{i}', experiment='at-exit', activate=False) as run:\n"
        "        run.log_metric('i', i)\n"
    )  # and exits at once: only the exit hook can have written the last runs
    env = {**os.environ, "JUPYTER_MLOPS_DRAINER": "thread", "JUPYTER_MLOPS_DRAINER_IDLE": "600"}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120, cwd=mlops_root)
    experiment = client().get_experiment_by_name("at-exit")
    runs = client().search_runs([experiment.experiment_id])
    assert sorted((r.info.run_name, r.data.metrics["i"], r.info.status) for r in runs) == [
        (f"exit-{i}", float(i), "FINISHED") for i in range(5)]
    assert not (mlops_root / ".mlops" / "drainer.log").exists()


def test_code_importing_mlflow_right_after_a_tracked_cell_logs_into_its_run(mlops_root):
    """With the drainer in a thread, the first tracked cell's drainer must not import MLflow
    while the next cell does: MLflow's cyclic imports break when two threads run them."""
    script = (
        "from IPython.testing.globalipapp import start_ipython\n"
        "ip = start_ipython()\n"
        "ip.run_line_magic('load_ext', 'jupyter_mlops')\n"
        "ip.run_cell('%%track --name first\\nx = 1', store_history=True)\n"
        "result = ip.run_cell('%%track --name second\\nimport mlflow\\nmlflow.log_metric(\"m\", 2.0)',"
        " store_history=True)\n"
        "assert result.success, result.error_in_exec\n"
        "ip.run_line_magic('mlops', 'sync --timeout 60')\n"
    )
    env = {**os.environ, "JUPYTER_MLOPS_DRAINER": "thread"}
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=180, cwd=mlops_root,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    runs = {r.info.run_name: r for e in client().search_experiments() for r in client().search_runs([e.experiment_id])}
    assert runs["second"].data.metrics == {"m": 2.0}
    assert set(runs) >= {"first", "second"} and not [n for n in runs if n not in ("first", "second")
                                                    and not n.startswith("env-")], sorted(runs)


def test_an_idle_drainer_queries_the_journal_only_after_news(tmp_path, monkeypatch):
    """Waking 20 times a second, an idle drainer runs a round only when another connection
    has committed (or once a second, with its check on dead owners)."""
    from jupyter_mlops.core.tracking.journal import Journal

    journal = Journal(tmp_path)
    before = journal.data_version()
    other = Journal(tmp_path)  # another connection commits: a run whose start entry has failed
    other.open_run(f"sqlite:///{tmp_path / 'never-opened.db'}", "exp", {}, key="k1")
    other.mark_failed(other.pending()[0].seq, "set aside by the test")
    assert journal.data_version() != before

    rounds = []
    real = drainer.Drainer.drain_round
    monkeypatch.setattr(drainer.Drainer, "drain_round", lambda self: rounds.append(1) or real(self))
    monkeypatch.setattr(drainer.Journal, "open_runs", lambda self: [])  # k1 does not keep it busy
    drainer.serve(tmp_path, idle_exit=2.5)
    assert 1 <= len(rounds) <= 5, len(rounds)  # about 50 on a drainer that queries at each wake
