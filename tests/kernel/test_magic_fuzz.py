"""Every magic's options, fuzzed (issue #12, tests): a bad line is a ``UsageError`` (which
IPython shows as its message, without a traceback), never another exception, and it
leaves nothing behind: no journaled run, no model version, no scoring server.

Lines are built from each magic's own options mixed with values that broke things
before: unbalanced quotes, over-long keys and names, paths the OS refuses, NUL bytes,
numbers argparse takes but nothing else should (nan, inf, negatives).
"""

from __future__ import annotations

import os
import shlex

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError

pytestmark = pytest.mark.slow

NASTY = [
    "", "'", '"', "'unbalanced", 'un"balanced', "\\", "--", "-", "=", "a=b", "=v", "k=", "k" * 300 + "=v",
    "t=" + "v" * 9000, "n" * 1000, "nan", "inf", "-inf", "-1", "0", "1e309", "99999999999", "../x", "/abs",
    "a//b=1", "/proc/forbidden", "nb.ipynb", "nb.ipynb/child", "x" * 300, "é=ü", "a\x00b", "$(rm -rf x)",
    "{}", "status", "sync", "export", "m@", "m/", "m@a", "m/1", "m/0", "m/-1", "@", "/", "notmodel", "X",
    "metrics.a >= ", "metrics.a >= 0.9", "skops", "pickle", "a" * 251, "a/" * 3000,
]

OPTIONS = {
    "track": ["-n", "--name", "-e", "--experiment", "-p", "--param", "-t", "--tag", "-m", "--metric",
              "--no-params", "--no-data", "--no-active-run", "-q", "--quiet", "--bogus", "-h"],
    "runs": ["-e", "--experiment", "-n", "--max", "-f", "--filter", "--bogus"],
    "mlops": ["status", "sync", "export", "--timeout", "--retry-failed", "--target", "--out", "--name",
              "--bogus"],
    "register": ["notmodel", "-n", "--name", "-a", "--alias", "-r", "--run", "--require", "-d", "--description",
                 "-t", "--tag", "-x", "--example", "-s", "--serialization", "--bogus"],
    "deploy": ["m@a", "m/1", "-p", "--port", "--timeout", "--contract", "--max-request-mb", "--bogus"],
    "undeploy": ["m", "m@a", "-p", "--port", "--all", "--bogus"],
    "deployments": ["m", "--bogus", "-h"],
    "lineage": ["m", "--run", "--model", "--health", "--json", "--bogus"],
    "monitor": ["m@a", "m/1", "-w", "--window", "-t", "--threshold", "--statistic", "--no-record", "--bogus"],
    "predictions": ["m@a", "m/1", "--since", "-n", "--errors", "--bogus"],
}


def _token(draw, magic: str) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.sampled_from(OPTIONS[magic]))
    value = draw(st.sampled_from(NASTY) | st.text(max_size=12))
    return shlex.quote(value) if kind == 1 else value  # quoted or raw (raw may not split)


@st.composite
def lines(draw, magic: str) -> str:
    first = draw(st.sampled_from(OPTIONS[magic]))
    return " ".join([first] + [_token(draw, magic) for _ in range(draw(st.integers(0, 6)))])


def _journaled_runs() -> int:
    from jupyter_mlops.core.config import resolve
    from jupyter_mlops.core.tracking.journal import Journal

    return Journal(resolve().state_dir).conn.execute("SELECT count(*) FROM runs").fetchone()[0]


def _serving_children() -> list[str]:
    """Processes this test started that serve a model (no psutil here: /proc)."""
    found = []
    me = str(os.getpid())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmd:
                parent = stat.read().rsplit(")", 1)[1].split()[1]
                command = cmd.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # a scoring server (%deploy starts `python -m uvicorn ...scoring_server...`), not the
        # `mlflow server` a PostgreSQL test on this worker may have started
        if parent == me and ("uvicorn" in command or "models serve" in command):
            found.append(command)
    return found


def _outcome(ip, magic: str, line: str) -> BaseException | None:
    try:
        if magic == "track":
            ip.run_cell_magic("track", line, "fuzz_ran = True\n")
        else:
            ip.run_line_magic(magic, line)
    except UsageError as exc:
        return exc
    return None


@pytest.mark.parametrize("magic", list(OPTIONS))
def test_bad_lines_are_usage_errors_and_leave_nothing(ip, capsys, magic):
    ip.user_ns.update(notmodel=3, X=[[1.0]])
    succeeded = []

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(line=lines(magic))
    def check(line):
        ip.user_ns.pop("fuzz_ran", None)
        before = _journaled_runs()
        try:
            error = _outcome(ip, magic, line)
        except Exception as exc:  # anything but a UsageError is a traceback in the user's face
            raise AssertionError(f"%{magic} {line!r} raised {type(exc).__name__}: {exc}") from exc
        if error is None:
            succeeded.append(line)
            return
        assert str(error).strip(), f"%{magic} {line!r}: a UsageError without a message"
        assert "fuzz_ran" not in ip.user_ns, f"%%track {line!r} ran the cell and then failed"
        assert _journaled_runs() == before, f"%{magic} {line!r} failed but journaled a run"

    check()
    capsys.readouterr()
    from mlflow import MlflowClient

    from jupyter_mlops.core.config import resolve

    client = MlflowClient(resolve().tracking_uri)
    assert client.search_registered_models() == []
    assert not _serving_children()
