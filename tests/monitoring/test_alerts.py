"""Webhook retries and threshold settings (fast: a local HTTP receiver, no scoring server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from traitlets.config import Config

from jupyter_mlops.core.errors import InvalidInput
from jupyter_mlops.core.monitoring.alerts import post_webhook
from jupyter_mlops.core.monitoring.check import metric_key, parse_window
from jupyter_mlops.core.monitoring.settings import Monitoring, thresholds_for


def receiver(statuses: list[int]):
    """A local webhook answering ``statuses`` in turn (the last one from then on)."""
    got: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            got.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(statuses[min(len(got), len(statuses)) - 1])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, got


@pytest.mark.parametrize(("statuses", "attempts", "outcome", "posts"), [
    ([200], 3, "sent", 1),
    ([503, 502, 200], 3, "sent", 3),
    ([500], 3, "failed: HTTP 500", 3),   # bounded: never more than `attempts`
    ([400], 3, "failed: HTTP 400", 1),   # refused: not retried
    ([429, 200], 2, "sent", 2),
])
def test_webhook_retries_are_bounded(statuses, attempts, outcome, posts):
    server, got = receiver(statuses)
    waits: list[float] = []
    try:
        result = post_webhook(f"http://127.0.0.1:{server.server_port}/", {"drifted": ["a"]}, attempts=attempts,
                              sleep=waits.append)
    finally:
        server.shutdown()
    assert (result, len(got)) == (outcome, posts)
    assert got[0] == {"drifted": ["a"]} and waits == [0.5 * 2 ** i for i in range(posts - 1)]


def test_an_unreachable_webhook_fails_without_raising():
    result = post_webhook("http://127.0.0.1:9/", {}, attempts=2, timeout=1, sleep=lambda s: None)
    assert result.startswith("failed: ")


def test_thresholds_from_config_per_model_and_feature():
    config = Config()
    config.Monitoring.thresholds = {"ks": 0.05}
    config.Monitoring.feature_thresholds = {"*": {"age": 0.2}, "churn": {"age": 0.1, "prediction": 0.3}}
    config.Monitoring.numeric_statistic = "psi"
    settings = Monitoring(config=config)
    churn = thresholds_for("churn", settings, overrides={"plan": 0.01})
    assert churn.per_feature == {"age": 0.1, "prediction": 0.3, "plan": 0.01}
    assert churn.threshold_for("income", "ks") == 0.05 and churn.numeric == "psi"
    assert thresholds_for("other", settings).per_feature == {"age": 0.2}
    config.Monitoring.numeric_statistic = "t_test"
    with pytest.raises(ValueError, match="numeric statistic 't_test'"):
        thresholds_for("churn", Monitoring(config=config))


def test_windows_and_metric_keys():
    assert parse_window("5000") == (5000, None)
    assert parse_window("30m") == (None, 1800.0) and parse_window("2d") == (None, 172800.0)
    for bad in ("0", "-5", "1x", "", "h"):
        with pytest.raises(InvalidInput, match="neither a number of rows"):
            parse_window(bad)
    assert metric_key("income (k$)") == "drift.feature.income _k__"
    assert metric_key("prediction", "prediction") == "drift.prediction"
