"""A journal that fails never stops the user's code (issue #12, part 3).

Each fault is made for real: a full disk is a small tmpfs filled to the last byte; a
read-only folder is a read-only bind mount (root ignores chmod); a damaged journal has
its header overwritten, pages overwritten, or is truncated.  Mounting needs root (or
CAP_SYS_ADMIN); without it those two tests are skipped and say so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from mlops_testing import all_runs, run

CELLS = 40


def _mount(*argv: str) -> None:
    done = subprocess.run(["mount", *argv], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip()}); needs root or CAP_SYS_ADMIN")


def _umount(path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def state_elsewhere(mlops_root, tmp_path, monkeypatch):
    """The journal in its own folder, the MLflow store where it always was."""
    from jupyter_mlops.core.config import embedded_uri

    store_dir = mlops_root / ".mlops"
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", embedded_uri(store_dir))
    monkeypatch.setenv("_MLFLOW_SERVER_ARTIFACT_ROOT", str(store_dir / "artifacts"))
    monkeypatch.setenv("JUPYTER_MLOPS_STATE_DIR", str(state))
    return state


def _tracked_cells(ip, count: int) -> None:
    ip.user_ns["counter"] = 0
    for _ in range(count):
        result = run(ip, "%%track -q\ncounter += 1")
        assert result.success, result.error_in_exec or result.error_before_exec
    assert ip.user_ns["counter"] == count  # every cell ran


def _finished_cell_runs() -> list:
    runs = [r for r in all_runs() if r.data.tags.get("mlops.kind") == "cell"]
    assert all(r.info.status == "FINISHED" for r in runs), [r.info.status for r in runs]
    return runs


def _fill(folder) -> None:
    """Write until the filesystem refuses (ENOSPC), down to the last byte."""
    for name, chunk in (("filler", 65536), ("filler-tail", 1)):
        try:
            with open(folder / name, "wb") as handle:
                while True:
                    handle.write(b"\0" * chunk)
                    handle.flush()
        except OSError as exc:
            assert exc.errno == 28, exc


def _unfill(folder) -> None:
    for name in ("filler", "filler-tail"):
        (folder / name).unlink(missing_ok=True)


def test_full_disk_cells_run_runs_kept_in_memory_then_journaled(state_elsewhere, request, capsys):
    state = state_elsewhere
    _mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(state))
    try:
        ip = request.getfixturevalue("ip")
        _tracked_cells(ip, 1)  # the journal exists and works
        ip.run_line_magic("mlops", "sync --timeout 60")
        capsys.readouterr()
        _fill(state)
        _tracked_cells(ip, CELLS)
        out = capsys.readouterr().out
        assert out.count("the disk is full") == 1, out  # one notice, not one per cell
        assert "kept in memory" in out and "Free space on" in out
        ip.run_line_magic("mlops", "status")
        status = capsys.readouterr().out
        assert "journal error" in status and "in memory" in status
        _unfill(state)
        _tracked_cells(ip, 1)
        out = capsys.readouterr()
        assert "takes writes again" in out.out, out
        ip.run_line_magic("mlops", "sync --timeout 120")
        assert len(_finished_cell_runs()) == CELLS + 2
    finally:
        _umount(state)


def test_full_disk_before_the_journal_exists(state_elsewhere, request, capsys):
    state = state_elsewhere
    _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(state))
    try:
        _fill(state)
        ip = request.getfixturevalue("ip")
        _tracked_cells(ip, 3)
        out = capsys.readouterr().out
        assert out.count("jupyter-mlops: the journal") == 1, out
        _unfill(state)
        ip.run_line_magic("mlops", "sync --timeout 120")
        assert len(_finished_cell_runs()) == 3
    finally:
        _umount(state)


def test_read_only_state_folder_journals_in_a_fallback_folder(state_elsewhere, tmp_path, request, capsys):
    from jupyter_mlops.core.tracking.journal_faults import fallback_state_dir

    state = state_elsewhere
    source = tmp_path / "ro-source"
    source.mkdir()
    _mount("--bind", str(source), str(state))
    fallback = fallback_state_dir(state)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(state)], check=True)
        with pytest.raises(OSError):
            (state / "probe").write_text("x")  # really read-only, even for root
        ip = request.getfixturevalue("ip")
        _tracked_cells(ip, 5)
        out = capsys.readouterr().out
        assert out.count("cannot be written") == 1 and str(fallback) in out, out
        ip.run_line_magic("mlops", "sync --timeout 120")
        assert len(_finished_cell_runs()) == 5
        ip.run_line_magic("mlops", "status")
        assert f"fallback     : journaling in {fallback}" in capsys.readouterr().out
        cli = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "status"], capture_output=True, text=True,
                             env=os.environ.copy(), timeout=120)
        assert "fallback" in cli.stdout and str(fallback) in cli.stdout, cli.stdout + cli.stderr
    finally:
        _umount(state)
        shutil.rmtree(fallback, ignore_errors=True)


def _damaged_journal(state, how: str) -> None:
    from jupyter_mlops.core.tracking.journal import Journal

    journal = Journal(state)
    for number in range(40):
        key = journal.open_run("sqlite:///nowhere.db", "old", {"start": {"run_name": f"old {number}"}})
        journal.append(key, {"tags": {"padding": "x" * 3000}}, {"big.bin": b"y" * 8000})
    journal.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    journal.close()
    path = state / "journal.db"
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        if how == "header":
            handle.write(b"not a database at all" * 8)
        elif how == "pages":
            handle.seek(4096 * 2)
            handle.write(os.urandom(4096 * 6))
        else:
            handle.truncate(size // 2 + 100)


@pytest.mark.parametrize("how", ["header", "pages", "truncated"])
def test_damaged_journal_is_set_aside_and_a_new_one_started(state_elsewhere, request, capsys, how):
    state = state_elsewhere
    _damaged_journal(state, how)
    damaged = (state / "journal.db").read_bytes()
    ip = request.getfixturevalue("ip")
    _tracked_cells(ip, 3)
    out = capsys.readouterr().out
    assert out.count("is damaged") == 1, out
    copies = sorted(state.glob("journal.db.corrupt-*"))
    copies = [c for c in copies if not c.name.endswith(("-wal", "-shm"))]
    assert len(copies) == 1 and copies[0].read_bytes()[:100] == damaged[:100]  # kept, as it was
    assert str(copies[0]) in out and ".recover" in out
    ip.run_line_magic("mlops", "sync --timeout 120")
    assert len(_finished_cell_runs()) == 3
    ip.run_line_magic("mlops", "status")
    assert f"set aside    : {copies[0]}" in capsys.readouterr().out
    cli = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "status"], capture_output=True, text=True,
                         env=os.environ.copy(), timeout=120)
    assert f"set aside    : {copies[0]}" in cli.stdout, cli.stdout + cli.stderr


def test_cli_status_names_a_damaged_journal(state_elsewhere):
    _damaged_journal(state_elsewhere, "header")
    cli = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "status"], capture_output=True, text=True,
                         env=os.environ.copy(), timeout=120)
    assert cli.returncode == 1
    assert "cannot be used (corrupt" in cli.stdout and "sets it aside" in cli.stdout, cli.stdout + cli.stderr
    assert "Traceback" not in cli.stderr
