"""`airflow dags test`, many times in one Airflow process.

Run as a script by the Airflow virtualenv's Python, it serves requests; imported by the
tests, ``DagsTest`` starts it and sends them.

Starting Airflow costs several CPU-seconds, and each pattern test ran one `airflow dags
test` of its own.  This script starts Airflow once and then, for each request, calls the
command line's own ``dags test`` (``airflow dags test DAG_ID -f DAG_FILE``): the same
parser, the same function, the same exit status.

Protocol: one JSON request per line on stdin, {"dag_id", "dag_file", "env", "log"}; the
request's environment is set for the run (the tasks' step processes inherit it), file
descriptors 1 and 2 go to "log", and one JSON line answers on the original stdout:
{"returncode": 0 | 1}.  Airflow's DAGs folder (its dag bundle) is fixed when the
process starts: every DAG file must lie under the one it was started with.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
from pathlib import Path


class DagsTest:
    """The test side: ``run(...)`` is ``airflow dags test DAG_ID`` with ``env`` added, in
    the one Airflow process (started on first use, restarted if it died).  ``folder`` is
    the DAGs folder ``env`` names: the DAG files go in folders of their own under it."""

    def __init__(self, python: Path, env: dict, log: Path, folder: Path):
        self.python, self.env, self.log, self.folder = python, env, log, folder
        self.process: subprocess.Popen | None = None

    def run(self, dag_id: str, dag_file: Path, env: dict, timeout: float = 600) -> tuple[int, str]:
        """(the command's exit status, its output)."""
        if self.process is None or self.process.poll() is not None:
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen([str(self.python), __file__], env=self.env, text=True,
                                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        output = dag_file.parent / f"{dag_id}.dags-test.log"
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"dag_id": dag_id, "dag_file": str(dag_file), "log": str(output),
                                             "env": {k: str(v) for k, v in env.items()}}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        answer = self.process.stdout.readline() if ready else ""
        if not answer:  # timed out or died: the next run starts a new process
            self.close(wait=0)
        printed = output.read_text(errors="replace") if output.exists() else ""
        if not answer:
            return 1, printed + f"\n[airflow runner: no answer in {timeout} s; its log: {self.log}]"
        return json.loads(answer)["returncode"], printed

    def close(self, wait: float = 30) -> None:
        if self.process is not None:
            try:
                if self.process.stdin:
                    self.process.stdin.close()
                self.process.wait(wait)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.process = None


@contextlib.contextmanager
def output_to(path: str):
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def dags_test(dag_id: str, dag_file: str) -> int:
    from airflow.cli.cli_parser import get_parser

    args = get_parser().parse_args(["dags", "test", dag_id, "-f", dag_file])
    try:
        args.func(args)
    except SystemExit as failed:  # "DagRun failed", as the command exits
        print(failed, file=sys.stderr)
        return 1
    except Exception:  # noqa: BLE001 - reported like the command's traceback
        import traceback

        traceback.print_exc()
        return 1
    return 0


def main() -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    for line in sys.stdin:
        request = json.loads(line)
        saved = dict(os.environ)
        os.environ.update(request["env"])
        try:
            with output_to(request["log"]):
                code = dags_test(request["dag_id"], request["dag_file"])
        finally:
            os.environ.clear()
            os.environ.update(saved)
        answers.write(json.dumps({"returncode": code}) + "\n")


if __name__ == "__main__":
    main()
