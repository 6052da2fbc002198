"""Never lose a run, never make the cell wait: outage, concurrency, idempotent replay."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from mlflow import MlflowClient

from mlops_testing import run

# The drainer under test is the production one: a process of its own.
pytestmark = pytest.mark.usefixtures("drainer_process")

WORKER = textwrap.dedent("""
    import sys
    import jupyter_mlops

    worker, count = sys.argv[1], int(sys.argv[2])
    for i in range(count):
        with jupyter_mlops.track(f"w{worker}-{i}", experiment="concurrency",
                                 params={"worker": worker, "i": i}, activate=False) as run:
            run.log_metric("value", i)
""")


@pytest.mark.slow
def test_eight_processes_share_one_sqlite_store(mlops_root):
    """8 processes x 300 tracked runs on one SQLite store: 0 lock errors, 0 lost runs."""
    script = mlops_root / "worker.py"
    script.write_text(WORKER)
    workers = [subprocess.Popen([sys.executable, str(script), str(w), "300"], stderr=subprocess.PIPE)
               for w in range(8)]
    errors = [w.communicate(timeout=300)[1].decode() for w in workers]
    assert [w.returncode for w in workers] == [0] * 8, errors
    sync = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "sync", "--timeout", "400"],
                          capture_output=True, text=True, timeout=460)
    assert sync.returncode == 0, sync.stderr
    client = MlflowClient(f"sqlite:///{mlops_root}/.mlops/mlflow.db")
    experiment = client.get_experiment_by_name("concurrency")
    runs = client.search_runs([experiment.experiment_id], max_results=5000)
    assert len(runs) == 2400
    assert len({(r.data.params["worker"], r.data.params["i"]) for r in runs}) == 2400
    assert {r.info.status for r in runs} == {"FINISHED"}
    log = (mlops_root / ".mlops" / "drainer.log").read_text() if (mlops_root / ".mlops/drainer.log").exists() else ""
    assert "locked" not in log.lower() and "lock" not in "".join(errors).lower()


@pytest.mark.slow
def test_outage_loses_nothing_and_never_blocks(ip, mlflow_server, mlops_root):
    """Server down for 200 tracked cells, back up, sync: every run once, with its data."""
    import os
    import socket

    os.environ["MLFLOW_TRACKING_URI"] = mlflow_server.url
    from jupyter_mlops.kernel import load_ipython_extension

    load_ipython_extension(ip)
    mlflow_server.stop()
    # A cell can only wait on the dead server by connecting to it: record every connect
    # this (the kernel's) process makes, with its timeout, and let it go through.
    tried: list = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        tried.append((address, sock.gettimeout()))
        return real_connect(sock, address)

    try:
        durations = []
        run(ip, "import pandas as pd\nframe = pd.DataFrame({'v': range(100)})")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(socket.socket, "connect", connect)
            for i in range(200):
                started = time.perf_counter()
                result = run(ip, f"%%track -q --name outage-{i} -m total\nstep = {i}\n"
                                 f"total = float(frame.v.sum() + step)\nprint('step', step)")
                durations.append(time.perf_counter() - started)
                assert result.success
        from jupyter_mlops.core.config import resolve
        from jupyter_mlops.core.tracking.journal import Journal

        journal = Journal(resolve().state_dir)
        assert journal.backlog() >= 200  # nothing reached the store
        print(f"cell time during the outage: max {max(durations) * 1000:.1f} ms, "
              f"median {sorted(durations)[100] * 1000:.1f} ms")
        # No cell talked to the store: the journal took them all and the drainer (another
        # process) retries.  The one connect allowed is the once-per-kernel "does not
        # answer" notice's probe, bounded by its short timeout.
        to_server = [t for a, t in tried if isinstance(a, tuple) and a[1:2] == (mlflow_server.port,)]
        assert len(to_server) <= 1 and all(t is not None and t <= 1 for t in to_server), to_server
    finally:
        mlflow_server.start()
    sync = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "sync", "--timeout", "300"],
                          capture_output=True, text=True, timeout=360)
    assert sync.returncode == 0, sync.stderr
    client = MlflowClient(mlflow_server.url)
    experiments = [e.experiment_id for e in client.search_experiments()]
    runs = [r for r in client.search_runs(experiments, filter_string="attributes.run_name LIKE 'outage-%'",
                                          max_results=1000)]
    assert sorted(r.info.run_name for r in runs) == sorted(f"outage-{i}" for i in range(200))
    for tracked in runs:
        step = int(tracked.info.run_name.split("-")[1])
        assert tracked.info.status == "FINISHED"
        assert tracked.data.params["step"] == str(step)
        assert tracked.data.metrics["total"] == 4950 + step
        assert tracked.data.tags["mlops.data.inputs"]
        assert len(tracked.inputs.dataset_inputs) == 1
    import mlflow.artifacts

    sample = runs[0]  # artifacts went through the server's proxy too
    assert mlflow.artifacts.load_text(f"{sample.info.artifact_uri}/mlops/stdout.txt") == \
        f"step {sample.data.params['step']}\n"


def test_replaying_a_journal_entry_creates_no_duplicate(mlops_root):
    """A create whose answer was lost is found again by its idempotency key."""
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.tracking.drainer import Drainer
    from jupyter_mlops.core.tracking.journal import Journal

    settings = resolve()
    journal = Journal(settings.state_dir)
    key = journal.open_run(settings.tracking_uri, "replay", {"start": {"run_name": "once", "tags": {}}})
    journal.append(key, {"metrics": [["m", 1.0, 1000, 0]], "end": {"status": "FINISHED"}}, finish=True)
    drainer = Drainer(journal)
    drainer.drain(timeout=60)
    first = journal.run_id(key)
    # Simulate a crash after the create landed but before its id was recorded:
    journal.conn.execute("UPDATE runs SET run_id = NULL WHERE key = ?", (key,))
    journal.conn.execute("UPDATE entries SET state = 0 WHERE key = ?", (key,))
    Drainer(journal).drain(timeout=60)
    assert journal.run_id(key) == first
    client = MlflowClient(settings.tracking_uri)
    runs = client.search_runs([client.get_experiment_by_name("replay").experiment_id])
    assert len(runs) == 1
    assert len(client.get_metric_history(first, "m")) == 1
