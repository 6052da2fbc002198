"""``jupyter-mlops retrain | watch | promote | rollback | endpoint | promotions``: the
lifecycle commands (core/lifecycle), added to the ``jupyter-mlops`` parser by cli.py."""

from __future__ import annotations

import json
import sys


def add_commands(commands) -> None:
    retrain = commands.add_parser("retrain", help="run a model's retraining policy (policies/NAME.yaml) once")
    retrain.add_argument("policy", help="the policy's name: policies/NAME.yaml beside the notebook")
    retrain.add_argument("--json", action="store_true", help="print the outcome as JSON")
    retrain.set_defaults(run=_retrain)
    watch = commands.add_parser("watch", help="evaluate every policy's triggers continuously")
    watch.add_argument("-i", "--interval", type=float, default=1.0, help="seconds between passes (default 1)")
    watch.add_argument("--once", action="store_true", help="one pass, then wait for the retrainings it started")
    watch.set_defaults(run=_watch)
    promote = commands.add_parser("promote", help="move an alias to a version if it passes the policy's gate")
    promote.add_argument("model", help="NAME/VERSION")
    promote.add_argument("-a", "--alias", default="champion")
    promote.add_argument("--force", action="store_true", help="move it without the gate (audited as forced)")
    promote.add_argument("--no-rollover", action="store_true", help="move the alias only")
    promote.set_defaults(run=_promote)
    rollback = commands.add_parser("rollback", help="move an alias back to its previous version and roll over")
    rollback.add_argument("model", help="NAME@ALIAS")
    rollback.add_argument("--to", help="this version rather than the previous one")
    rollback.add_argument("--no-rollover", action="store_true", help="move the alias only")
    rollback.set_defaults(run=_rollback)
    endpoint = commands.add_parser("endpoint", help="a stable port for NAME@ALIAS that keeps across versions")
    endpoint.add_argument("model", help="NAME@ALIAS")
    endpoint.add_argument("-p", "--port", type=int, help="port (default: a free one)")
    endpoint.add_argument("--close", action="store_true", help="stop the endpoint's proxy")
    endpoint.set_defaults(run=_endpoint)
    history = commands.add_parser("promotions", help="a model's promotion history and pending triggers")
    history.add_argument("model", help="NAME")
    history.add_argument("--json", action="store_true")
    history.set_defaults(run=_promotions)


def _errors(call):
    from .core.errors import MLOpsError

    def wrapped(args) -> int:
        try:
            return call(args)
        except MLOpsError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
    return wrapped


@_errors
def _retrain(args) -> int:
    from .core import lifecycle

    outcome = lifecycle.retrain(args.policy, progress=None if args.json else lambda t: print(f"... {t}", flush=True))
    if args.json:
        print(json.dumps(outcome.to_dict(), default=str))
    else:
        print(f"{outcome.model}: {outcome.decision}" + (f" v{outcome.version}" if outcome.version else "") +
              f" ({outcome.seconds:.1f} s): {outcome.message}")
    return {"promoted": 0, "refused": 3}.get(outcome.decision, 1)


@_errors
def _watch(args) -> int:
    import threading

    from .core import lifecycle

    watcher = lifecycle.Watcher()

    def report(started: list[dict]) -> None:
        for item in started:
            print(f"{item['model']}: retraining on {item['trigger']} ({item['key']}), "
                  f"{item['latency_s']:.1f} s after the trigger; run {item['triggered_run']}", flush=True)

    def finished(outcome) -> None:
        print(f"{outcome.model}: {outcome.decision}" + (f" v{outcome.version}" if outcome.version else "") +
              f": {outcome.message}", flush=True)

    watcher.on_outcome = finished
    if args.once:
        report(watcher.tick())
        watcher.wait()
    else:
        print(f"watching policies in {watcher.root / 'policies'} every {args.interval:g} s (Ctrl-C stops)", flush=True)
        stop = threading.Event()
        try:
            watcher.run(stop, args.interval, report)
        except KeyboardInterrupt:
            stop.set()
    for error in watcher.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if watcher.errors else 0


@_errors
def _promote(args) -> int:
    from .core import lifecycle
    from .core.models.deploy import parse_ref

    name, _, version = parse_ref(args.model)
    if version is None:
        print(f"error: {args.model!r}: write NAME/VERSION, e.g. churn/3", file=sys.stderr)
        return 1
    moved = lifecycle.promote(name, version, args.alias, force=args.force, rollover=not args.no_rollover)
    print(lifecycle.describe_move(moved))
    return 0


@_errors
def _rollback(args) -> int:
    from .core import lifecycle
    from .core.lifecycle.endpoint import split_ref

    name, alias = split_ref(args.model)
    print(lifecycle.describe_move(lifecycle.rollback(name, alias, to_version=args.to, rollover=not args.no_rollover)))
    return 0



@_errors
def _endpoint(args) -> int:
    from .core import lifecycle

    if args.close:
        found = lifecycle.close_endpoint(args.model)
        print(f"closed the endpoint of {found.name}@{found.alias} on port {found.port}")
        return 0
    found = lifecycle.open_endpoint(args.model, port=args.port)
    print(f"{found.name}@{found.alias} (v{found.version}) at {found.url}; POST {found.url}/invocations")
    return 0


@_errors
def _promotions(args) -> int:
    from .core import lifecycle

    status = lifecycle.model_status(args.model)
    if args.json:
        print(json.dumps(status, default=str))
        return 0
    for d in status["history"]:
        moved = f" v{d['from_version'] or '-'} -> v{d['to_version']}" if d["to_version"] else ""
        why = " ".join((d["outcome"] or "").split())
        why = why if len(why) <= 160 else why[:157] + "..."
        print(f"{d['decision']:<12}{moved}{' forced' if d['forced'] else ''}  {why}  {d['run_id']}")
    for event in status["pending"]:
        print(f"pending: {event['kind']} {event['key']}" + (" (duplicate)" if event["duplicate"] else ""))
    return 0
