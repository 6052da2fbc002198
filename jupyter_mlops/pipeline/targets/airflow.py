"""The airflow target: a TaskFlow DAG file beside the exported python package.

Each task runs its step with the package's runner in the interpreter that has the
notebook's libraries and mlflow (``JUPYTER_MLOPS_PIPELINE_PYTHON``, default: the one
that exported it), so Airflow's own environment needs neither.  Tasks pass small JSON
records through XCom; the data itself moves as MLflow artifacts of the step runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..plan import Plan
from . import package

_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}

_TEMPLATE = '''"""Airflow DAG '{dag_id}': the {name} pipeline exported by jupyter-mlops from {notebook}.

Put this file and the {name}/ folder beside it in Airflow's DAGs folder.  Each task runs
one step with `python -m {name}` in PIPELINE_PYTHON, an environment with jupyter-mlops,
mlflow and the notebook's libraries; MLFLOW_TRACKING_URI picks the MLflow store.
"""

import datetime
import json
import os
import subprocess
from pathlib import Path

from airflow.sdk import Param, dag, get_current_context, task
{schedule_imports}
HERE = Path(__file__).resolve().parent
PACKAGE = {name!r}
PIPELINE_PYTHON = os.environ.get("JUPYTER_MLOPS_PIPELINE_PYTHON", {python!r})


def _run(args, state=None):
    """Run the package's command line for one step; returns the JSON record it prints."""
    params = get_current_context()["params"]
    command = [PIPELINE_PYTHON, "-m", PACKAGE, *args]
    for key, value in sorted(params.items()):
        command += ["--param", f"{{key}}={{value!r}}"]
    if state is not None:
        command += ["--state", json.dumps(state)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), env.get("PYTHONPATH")) if p)
    done = subprocess.run(command, cwd=HERE, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{{' '.join(args)}} failed ({{done.returncode}}):\\n{{done.stderr[-6000:]}}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@dag(
    dag_id={dag_id!r},
    schedule={schedule},
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    tags=["jupyter-mlops"],
    params={{
{params}
    }},
)
def {function}():
    @task(task_id="mlops_begin")
    def begin():
        return _run(["--begin"])

{tasks}

    @task(task_id="mlops_end", trigger_rule="all_done")
    def end(pipeline, {results}):
        results = [r for r in ({results},) if r]
        status = "FINISHED" if len(results) == {count} else "FAILED"
        summary = _run(["--end"], {{"pipeline": pipeline, "upstream": results, "status": status}})
        if status != "FINISHED":
            raise RuntimeError("some steps failed; see their task logs")
        return summary

    pipeline = begin()
{wiring}
    end(pipeline, {results})


{function}()
'''

_TASK = '''    @task(task_id={name!r})
    def step_{name}(pipeline{args}):
        return _run(["--step", {name!r}], {{"pipeline": pipeline, "upstream": [{upstream}]}})
'''


def _param(key: str, value: object) -> str:
    kind = _TYPES.get(type(value))
    if kind is None:
        return f"        {key!r}: Param({value!r}),"
    return f"        {key!r}: Param({value!r}, type={kind!r}),"


def _schedule(trigger: dict | None) -> tuple[str, str]:
    """(the ``schedule=`` source, the imports it needs) for the retraining policy's cron
    schedule and data paths: a cron string, Assets (data-aware), both, or None."""
    if not trigger or not (trigger.get("schedule") or trigger.get("assets")):
        return "None", ""
    cron, assets = trigger.get("schedule"), trigger.get("assets") or []
    listed = "[" + ", ".join(f"Asset({uri!r})" for uri in assets) + "]"
    if not assets:
        return repr(cron), ""
    if not cron:
        return listed, "from airflow.sdk import Asset\n"
    return (f"AssetOrTimeSchedule(timetable=CronTriggerTimetable({cron!r}, timezone='UTC'), assets={listed})",
            "from airflow.sdk import Asset\nfrom airflow.timetables.assets import AssetOrTimeSchedule\n"
            "from airflow.timetables.trigger import CronTriggerTimetable\n")


def dag_source(plan: Plan, python: str) -> str:
    params: dict[str, object] = {}
    for step in plan.steps:
        for key, value in step.params.items():
            params.setdefault(key, value)
    if plan.schedule:  # the policy's parameters for the pipeline it retrains with
        params.update({k: v for k, v in plan.schedule.get("params", {}).items() if k in params})
    schedule, schedule_imports = _schedule(plan.schedule)
    tasks, wiring = [], []
    for step in plan.steps:
        deps = step.depends_on
        tasks.append(_TASK.format(name=step.name, args="".join(f", s_{d}" for d in deps),
                                  upstream=", ".join(f"s_{d}" for d in deps)))
        call_args = "".join(f", s_{d}" for d in deps)
        wiring.append(f"    s_{step.name} = step_{step.name}(pipeline{call_args})")
    results = ", ".join(f"s_{s.name}" for s in plan.steps)
    return _TEMPLATE.format(
        dag_id=plan.name, name=plan.name, notebook=plan.notebook, python=python, schedule=schedule,
        schedule_imports=schedule_imports,
        function=f"{plan.name}_dag", params="\n".join(_param(k, v) for k, v in params.items()),
        tasks="\n".join(tasks), wiring="\n".join(wiring), results=results, count=len(plan.steps))


def render(plan: Plan, root: Path, experiment: str) -> list[str]:
    package.write_package(plan, root, experiment)
    (root / f"{plan.name}_dag.py").write_text(dag_source(plan, sys.executable), encoding="utf-8")
    # Airflow scans the DAGs folder for DAG files; the package beside it holds none.
    (root / ".airflowignore").write_text(f"{plan.name}/\n", encoding="utf-8")
    return [f"cp -r {root}/. $AIRFLOW_HOME/dags/   # then: airflow dags test {plan.name}"]
