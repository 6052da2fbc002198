"""``track()``: the ``%%track`` record for a block of a Python script.

    import jupyter_mlops

    with jupyter_mlops.track("train", params={"lr": 0.1}) as run:
        model = fit(X, y)
        run.log_metric("accuracy", score)
        run.log_data("X", X)           # input fingerprint
        run.log_data("model_input", Z, role="output")

Records source (the script), git state, environment, params, metrics, data
fingerprints, stdout/stderr, status (FAILED with traceback, KILLED on Ctrl-C) and
duration, through the same journal as the magic: it never waits for the store.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

from .. import names
from ..config import resolve
from . import capture
from .active_run import ActiveRunHandle
from .records import Outcome
from .session import get_session


class ScriptRun:
    """Collects what a tracked block logs; journaled when the block ends."""

    def __init__(self, key: str, session) -> None:
        self.key = key
        self._session = session
        self.params: dict = {}
        self.metrics: list[list] = []
        self.tags: dict = {}
        self.datasets: list[dict] = []
        self.artifacts: dict[str, bytes] = {}

    @property
    def run_id(self) -> str:
        """The MLflow run id (waits for the drainer to create the run)."""
        return self._session.wait_for_run_id(self.key)

    def log_param(self, key: str, value) -> None:
        self.params[key] = value

    def log_params(self, params: dict) -> None:
        self.params.update(params)

    def log_metric(self, key: str, value: float, step: int = 0) -> None:
        number = capture.as_number(value)
        if number is None:
            raise TypeError(f"metric {key!r} must be a number, not {type(value).__name__}")
        self.metrics.append([key, number, int(time.time() * 1000), int(step)])

    def set_tag(self, key: str, value) -> None:
        self.tags[key] = str(value)

    def log_data(self, name: str, obj, role: str = "input") -> None:
        if role not in ("input", "output"):
            raise ValueError("role must be 'input' or 'output'")
        self.datasets.extend(capture.data_records({name: obj}, [name], role, _script_name()))

    def log_text(self, text: str, path: str) -> None:
        self.artifacts[path] = text.encode()


def _script_name() -> str:
    main = sys.modules.get("__main__")
    return str(Path(getattr(main, "__file__", None) or sys.argv[0] or "python").resolve())


@contextmanager
def track(name: str | None = None, *, experiment: str | None = None, params: dict | None = None,
          tags: dict | None = None, activate: bool = True):
    """Track the ``with`` block as one MLflow run; see the module docstring."""
    settings = resolve()
    session = get_session(settings)
    script = _script_name()
    script_path = Path(script)
    start_tags = {
        names.SOURCE_NAME: script,
        names.SOURCE_TYPE: "LOCAL",
        names.KIND: "script",
    }
    experiment = experiment or (script_path.stem if script_path.suffix == ".py" else names.DEFAULT_EXPERIMENT)
    folder = script_path.parent if script_path.exists() else Path.cwd()
    key = session.start_run(experiment, name, start_tags, folder)
    run = ScriptRun(key, session)
    run.log_params(params or {})
    run.tags.update(tags or {})
    handle = ActiveRunHandle(lambda: session.wait_for_run_id(key), settings.tracking_uri) if activate else None
    started = time.perf_counter()
    status = "FINISHED"
    error: BaseException | None = None
    try:
        yield run
    except KeyboardInterrupt as exc:
        status, error = "KILLED", exc
        raise
    except BaseException as exc:
        status, error = "FAILED", exc
        raise
    finally:
        if handle is not None:
            handle.close()
        _finish(session, run, status, error, time.perf_counter() - started, script_path)


def _finish(session, run: ScriptRun, status: str, error, duration: float, script: Path) -> None:
    done = Outcome()
    done.tags(run.tags)
    done.params(run.params)
    done.metrics(run.metrics)
    done.datasets(run.datasets)
    done.blobs.update(run.artifacts)
    if script.is_file() and script.suffix == ".py":
        import xxhash

        source = script.read_text(errors="replace")
        done.source(source, xxhash.xxh3_128_hexdigest(source.encode()))
    done.error(error)
    done.close(duration)
    session.finish_run(run.key, status, done.entry, done.blobs)
