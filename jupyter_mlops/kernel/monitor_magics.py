"""The monitoring magics: ``%monitor`` (drift of a deployment) and ``%predictions`` (its log).

Thin wrappers over core.monitoring.check: parse, call core, return a DataFrame.  Bad
input is a UsageError raised before any run is created.
"""

from __future__ import annotations

import time

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..core.errors import MLOpsError
from .args import StoreAccess, expands_short_lines, parse


@magics_class
class MonitorMagics(StoreAccess, Magics):
    @magic_arguments()
    @argument("model", help="The deployment: NAME@ALIAS or NAME/VERSION, as %%deployments lists it.")
    @argument("-w", "--window", help="Live rows to compare: a count (5000) or a time (30m, 1h, 2d); "
                                     "default: the newest c.Monitoring.window_rows (10,000).")
    @argument("-t", "--threshold", action="append", default=[], metavar="FEATURE=VALUE",
              help="Threshold of one feature (or 'prediction') for this check; repeatable.")
    @argument("--statistic", choices=["ks", "wasserstein", "psi"],
              help="Statistic of numeric columns (default c.Monitoring.numeric_statistic, ks).")
    @argument("--no-record", action="store_true", help="Do not log the check as an MLflow run.")
    @line_magic
    @expands_short_lines
    def monitor(self, line: str):
        """Compare a deployment's live inputs and predictions with its version's reference
        profile; returns one row per feature and one for the prediction: statistic, value,
        threshold, p_value, drifted.  The check is logged as a run in the experiment
        ``monitoring/<model>`` (``--no-record``: not logged).

        Statistics are effect sizes (ks, wasserstein, psi for numbers; jensen_shannon or psi
        for categories); a column drifts when its value exceeds the threshold and the
        difference is unlikely to be noise (p < c.Monitoring.alpha).
        """
        args = parse(self.monitor, line)
        overrides = _thresholds(args.threshold)
        from ..core.monitoring.check import check, parse_window
        from ..core.monitoring.settings import Monitoring

        settings = Monitoring(config=self.shell.config)
        if args.statistic:
            settings.numeric_statistic = args.statistic
        try:
            if args.window:
                parse_window(args.window)
            result = check(args.model, tracking_uri=self.settings.tracking_uri, window=args.window,
                           overrides=overrides, settings=settings, record=not args.no_record)
        except MLOpsError as exc:
            raise UsageError(exc.message) from None
        if result.status == "no_data":
            print(f"{result.ref} (v{result.version}): no logged predictions in the window ({result.window}); "
                  "send requests, or deploy without --no-log.")
        else:
            drifted = ", ".join(result.drifted) or "none"
            print(f"{result.ref} (v{result.version}): {len(result.drifted)} of {len(result.rows)} columns drifted "
                  f"({drifted}) over {result.live_rows} rows" + (f"; run {result.run_id}" if result.run_id else ""))
        return result.frame()

    @magic_arguments()
    @argument("model", help="The deployment: NAME@ALIAS or NAME/VERSION.")
    @argument("--since", help="Only requests from this long ago: 30m, 1h, 2d (default: everything kept).")
    @argument("-n", type=int, help="Only the newest N requests.")
    @argument("--errors", action="store_true", help="Include failed requests (status not 200).")
    @line_magic
    @expands_short_lines
    def predictions(self, line: str):
        """A deployment's prediction log as a DataFrame: time, request, version, status,
        latency_ms, the input features and the prediction, one row per input row."""
        args = parse(self.predictions, line)
        if args.n is not None and args.n <= 0:
            raise UsageError(f"-n {args.n}: give a positive number of requests.")
        from ..core.monitoring.check import parse_window, predictions

        try:
            since = None
            if args.since:
                rows, seconds = parse_window(args.since)
                if seconds is None:
                    raise UsageError(f"--since {args.since}: give a time such as 30m, 1h or 2d (-n counts requests).")
                since = time.time() - seconds
            return predictions(args.model, tracking_uri=self.settings.tracking_uri, since=since, limit=args.n,
                               errors=args.errors)
        except MLOpsError as exc:
            raise UsageError(exc.message) from None


def _thresholds(pairs: list[str]) -> dict[str, float]:
    found = {}
    for pair in pairs:
        feature, _, value = pair.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not feature or number < 0 or number != number:
            raise UsageError(f"--threshold {pair!r}: write FEATURE=VALUE with a non-negative number, e.g. age=0.05.")
        found[feature] = number
    return found
