"""The Prometheus metrics a monitored scoring server exposes at ``/metrics``.

Names follow Prometheus' conventions (base units, ``_total`` counters) and the names
Python HTTP instrumentation commonly uses:

- ``http_requests_total{handler, method, status}``: requests by status (a malformed body
  is a 400 here too);
- ``http_request_duration_seconds{handler}``: latency histogram;
- ``model_prediction_value`` (histogram) for numeric predictions, or
  ``model_predictions_total{prediction}`` (counter, at most ``MAX_CLASSES`` labels, the
  rest as ``other``) for classes;
- ``model_feature_drift{feature, statistic}`` and ``model_feature_drift_threshold{feature,
  statistic}``: the last drift check of the recent window against the reference profile;
- ``model_prediction_log_failures_total``: records the log could not write (those
  requests were answered 503);
- ``http_request_too_large_total``: requests refused with a 413, their body over the
  deployment's limit (also in ``http_requests_total{status="413"}``);
- ``mlops_contract_requests_total{contract, result}``: requests checked against the data
  contract, ``result`` = passed, violated (served) or rejected (a 400);
  ``mlops_contract_violations_total{contract, check, column}``: the failing checks;
  ``mlops_contract_info{contract, mode}``: 1 while a contract is enforced;
- ``model_info{name, version}``: 1.
"""

from __future__ import annotations

import math

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MAX_CLASSES = 50


class ServerMetrics:
    def __init__(self, name: str, version: str, prediction_buckets: tuple[float, ...] | None = None):
        self.registry = CollectorRegistry()
        self.requests = Counter("http_requests", "Requests answered, by handler, method and status.",
                                ["handler", "method", "status"], registry=self.registry)
        self.latency = Histogram("http_request_duration_seconds", "Time to answer a request.", ["handler"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        buckets = prediction_buckets or (-1.0, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 100.0)
        self.prediction_values = Histogram("model_prediction_value", "Numeric predictions.",
                                           buckets=sorted(set(buckets)), registry=self.registry)
        self.prediction_classes = Counter("model_predictions", "Predicted classes.", ["prediction"],
                                          registry=self.registry)
        self.drift = Gauge("model_feature_drift", "Drift of the recent window against the reference profile.",
                           ["feature", "statistic"], registry=self.registry)
        self.drift_threshold = Gauge("model_feature_drift_threshold", "The drift threshold of each feature.",
                                     ["feature", "statistic"], registry=self.registry)
        self.log_failures = Counter("model_prediction_log_failures", "Records the prediction log could not write.",
                                    registry=self.registry)
        self.too_large = Counter("http_request_too_large", "Requests refused (413): body over the limit.",
                                 registry=self.registry)
        self.contract_requests = Counter("mlops_contract_requests", "Requests checked against the data contract.",
                                         ["contract", "result"], registry=self.registry)
        self.contract_violations = Counter("mlops_contract_violations", "Failed data-contract checks in requests.",
                                           ["contract", "check", "column"], registry=self.registry)
        self.contract_info = Gauge("mlops_contract_info", "The data contract this server enforces.",
                                   ["contract", "mode"], registry=self.registry)
        info = Gauge("model_info", "The model this server serves.", ["name", "version"], registry=self.registry)
        info.labels(name=name, version=version).set(1)
        self._classes: set[str] = set()

    def request(self, handler: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(handler=handler, method=method, status=str(status)).inc()
        self.latency.labels(handler=handler).observe(seconds)

    def contract(self, report, result: str | None = None) -> None:
        """Count one checked request (``result`` defaults to passed or violated)."""
        result = result or ("passed" if report.ok else "violated")
        self.contract_requests.labels(contract=report.contract, result=result).inc()
        for violation in report.violations:
            # a column the client made up is not a label (its names are unbounded)
            column = "(unexpected)" if violation.check == "unexpected_column" else violation.column or ""
            self.contract_violations.labels(contract=report.contract, check=violation.check, column=column).inc()

    def predictions(self, values: list) -> None:
        for value in values:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or isinstance(value, int):
                self._class(str(value))
            elif math.isfinite(value):
                if float(value).is_integer() and len(self._classes) and str(int(value)) in self._classes:
                    self._class(str(int(value)))
                else:
                    self.prediction_values.observe(value)

    def _class(self, label: str) -> None:
        if label not in self._classes and len(self._classes) >= MAX_CLASSES:
            label = "other"
        self._classes.add(label)
        self.prediction_classes.labels(prediction=label).inc()

    def drift_rows(self, rows: list[dict]) -> None:
        for row in rows:
            if row["statistic"] == "missing" or row["value"] != row["value"]:  # NaN: no live values
                continue
            self.drift.labels(feature=row["feature"], statistic=row["statistic"]).set(row["value"])
            self.drift_threshold.labels(feature=row["feature"], statistic=row["statistic"]).set(row["threshold"])
