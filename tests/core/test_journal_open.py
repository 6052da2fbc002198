"""Opening a new journal while another process is opening it too: no "database is locked".

Turning a new SQLite file to WAL takes a read lock and then upgrades it; when another
connection already holds the write lock, SQLite fails the upgrade at once (its deadlock
rule skips the busy timeout).  That is what kernels starting together hit
(`PRAGMA journal_mode=WAL` -> "database is locked").
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest

from jupyter_mlops.core.tracking.journal import Journal


def test_opening_waits_for_another_opener_instead_of_failing(tmp_path):
    # Another process in the middle of setting up the same new journal holds its write lock.
    other = sqlite3.connect(tmp_path / "journal.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    released = threading.Event()

    def release_soon():
        released.wait(0.5)  # a moment later the other opener is done
        other.execute("COMMIT")

    releaser = threading.Thread(target=release_soon)
    releaser.start()
    try:
        journal = Journal(tmp_path)
        assert journal.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert journal.backlog() == 0
    finally:
        released.set()
        releaser.join()
        other.close()


OPENERS = textwrap.dedent("""
    import multiprocessing as mp, sys, tempfile
    from jupyter_mlops.core.tracking.journal import Journal

    def open_journal(state, barrier, errors):
        barrier.wait()
        try:
            Journal(state).conn.execute("SELECT count(*) FROM runs").fetchone()
        except Exception as exc:
            errors.put(f"{type(exc).__name__}: {exc}")

    ctx = mp.get_context("fork")
    errors = ctx.Queue()
    for _ in range(int(sys.argv[2])):
        state, barrier = tempfile.mkdtemp(dir=sys.argv[1]), ctx.Barrier(8)
        openers = [ctx.Process(target=open_journal, args=(state, barrier, errors)) for _ in range(8)]
        for p in openers:
            p.start()
        for p in openers:
            p.join()
    found = []
    while not errors.empty():
        found.append(errors.get())
    print(len(found), sorted(set(found)))
""")


@pytest.mark.slow
def test_eight_processes_open_new_journals_at_once(tmp_path):
    script = tmp_path / "openers.py"
    script.write_text(OPENERS)
    out = subprocess.run([sys.executable, str(script), str(tmp_path), "20"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0 []"
