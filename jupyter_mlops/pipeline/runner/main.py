"""``python -m PIPELINE``: the command line of an exported pipeline package."""

from __future__ import annotations

import argparse
import ast
import json
import sys
import traceback
from pathlib import Path

from .spec import load_spec


def _value(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _params(items: list[str]) -> dict[str, object]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--param {item!r}: write it as NAME=VALUE, e.g. --param lr=0.1")
        out[key] = _value(value)
    return out


def _parser(prog: str, spec) -> argparse.ArgumentParser:
    lines = [f"  {k} = {v!r}" for k, v in spec.params.items()] or ["  (none)"]
    parser = argparse.ArgumentParser(
        prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"Run the '{spec.name}' pipeline exported from {spec.notebook}.",
        epilog="parameters (override with --param NAME=VALUE):\n" + "\n".join(lines))
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("-f", "--force", action="store_true", help="run every step, ignoring the cache")
    parser.add_argument("-e", "--experiment", help=f"MLflow experiment (default: {spec.experiment})")
    parser.add_argument("--tracking-uri", help="MLflow tracking URI (default: MLFLOW_TRACKING_URI "
                        "or the jupyter-mlops store)")
    parser.add_argument("-j", "--workers", type=int, help="steps run at once (default: up to 4)")
    parser.add_argument("-w", "--workdir", help=f"folder the steps run in (default: the notebook's folder, "
                        f"{spec.workdir or 'here'}; or JUPYTER_MLOPS_WORKDIR)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the final summary")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    # For orchestrators that run one step per task (the Airflow DAG).
    parser.add_argument("--begin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--end", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)  # JSON: pipeline + upstream records
    return parser


def main(folder: str | Path, argv: list[str] | None = None, prog: str | None = None) -> int:
    folder = Path(folder)
    spec = load_spec(folder)
    args = _parser(prog or f"python -m {spec.name}", spec).parse_args(argv)
    params = _params(args.param)
    try:
        if args.begin or args.step or args.end:
            return _orchestrated(folder, args, params)
        from .run import run_pipeline

        def show(event: dict) -> None:
            if not args.quiet and not args.json:
                extra = f" in {event['seconds']}s" if "seconds" in event else ""
                print(f"[{event['done']}/{event['total']}] {event['step']}: {event['status']}{extra}",
                      file=sys.stderr, flush=True)

        result = run_pipeline(folder, params, args.force, args.tracking_uri, args.experiment,
                              args.workers, show, args.workdir)
    except (ValueError, KeyError, RuntimeError) as exc:
        if exc.__cause__ is not None:  # the step's own traceback, pointing into steps/<step>.py
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    summary = {"run_id": result.run_id, "experiment_id": result.experiment_id,
               "seconds": round(result.seconds, 3), "cached": result.cached,
               "steps": {n: o.run_id for n, o in result.outcomes.items()}, "metrics": result.metrics}
    if args.json:
        print(json.dumps(summary))
    else:
        ran = len(result.outcomes) - len(result.cached)
        print(f"pipeline run {result.run_id}: {ran} step(s) ran, {len(result.cached)} cached, "
              f"{result.seconds:.2f}s")
        for name, metrics in result.metrics.items():
            if metrics:
                print(f"  {name}: " + ", ".join(f"{k}={v:.6g}" for k, v in metrics.items()))
    return 0


def _orchestrated(folder: Path, args, params: dict) -> int:
    from . import single

    state = json.loads(args.state) if args.state else {}
    if args.begin:
        out = single.begin(folder, params, args.tracking_uri, args.experiment)
    elif args.step:
        out = single.one_step(folder, args.step, state["pipeline"], state.get("upstream", []), params,
                              args.force, args.tracking_uri, args.workdir)
    else:
        out = single.end(state["pipeline"], state.get("upstream", []), args.tracking_uri,
                         state.get("status", "FINISHED"))
    print(json.dumps(out))
    return 0
