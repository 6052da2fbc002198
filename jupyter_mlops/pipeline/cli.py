"""``jupyter-mlops export NOTEBOOK [--target python|airflow|kfp] [--out DIR]``."""

from __future__ import annotations

import argparse
import json
import sys

from .errors import ExportError
from .export import TARGETS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter-mlops export",
        description="Turn a notebook's %%track cells (and cells tagged step:NAME) into a pipeline.")
    parser.add_argument("notebook", help="the .ipynb file")
    parser.add_argument("-t", "--target", choices=TARGETS, default="python",
                        help="python package (default), Airflow DAG, or Kubeflow Pipelines v2")
    parser.add_argument("-o", "--out", help="folder to create (default: NAME_<target> beside the notebook)")
    parser.add_argument("-n", "--name", help="pipeline name (default: the notebook's file name)")
    parser.add_argument("-e", "--experiment", help="MLflow experiment of pipeline runs (default: the name)")
    parser.add_argument("--no-observe", action="store_true",
                        help="do not cross-check with the notebook's tracked runs in MLflow")
    parser.add_argument("--tracking-uri", help="MLflow store holding the notebook's tracked runs")
    parser.add_argument("-w", "--workdir", help="folder the steps run in, so relative paths and local modules "
                        "resolve as in the notebook (default: the notebook's folder)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    return parser


def export_main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help or a usage error: a return code, never an exit (%mlops export)
        return exc.code if isinstance(exc.code, int) else 2
    from .export import export_notebook

    def progress(event: dict) -> None:
        if not args.quiet and not args.json:
            print(f"[{int(event['fraction'] * 100):3d}%] {event['message']}", file=sys.stderr, flush=True)

    try:
        report = export_notebook(args.notebook, args.target, args.out, name=args.name,
                                 experiment=args.experiment, observe=not args.no_observe,
                                 tracking_uri=args.tracking_uri, progress=progress, workdir=args.workdir)
    except ExportError as exc:
        if args.json:
            print(json.dumps({"error": exc.as_dict()}))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the machine's fault (a full disk...): a message, not a traceback
        if args.json:
            print(json.dumps({"error": {"code": "io_error", "message": str(exc), "cell": None}}))
        print(f"error: {exc}; nothing was written.", file=sys.stderr)
        return 1
    print(json.dumps(report.as_dict(), default=str) if args.json else report.format_text())
    return 0


if __name__ == "__main__":  # python -m jupyter_mlops.pipeline.cli
    sys.exit(export_main(sys.argv[1:]))
