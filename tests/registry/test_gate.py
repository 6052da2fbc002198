"""The --require gate: a small safe grammar, evaluated without eval()."""

from __future__ import annotations

import pytest

from jupyter_mlops.core.models.gate import GateError, check_gate, parse_gate

METRICS = {"accuracy": 0.93, "loss": 0.2, "val/acc": 0.9}
PARAMS = {"depth": "8", "solver": "lbfgs"}


@pytest.mark.parametrize("expression", [
    "metrics.accuracy >= 0.9",
    "metrics.accuracy >= 0.9 and metrics.loss < 0.3",
    "0.9 <= metrics.accuracy < 1",
    "not metrics.loss > 0.5",
    "params.depth <= 8 and params.solver == 'lbfgs'",
    'metrics["val/acc"] >= 0.9 or metrics.loss < 0',
    "metrics.loss < -(-0.3)",
])
def test_gates_that_hold(expression):
    check_gate(expression, METRICS, PARAMS)


def test_failure_names_the_values():
    with pytest.raises(GateError, match=r"failed \(metrics.accuracy = 0.93, metrics.loss = 0.2\)"):
        check_gate("metrics.accuracy > 0.95 and metrics.loss < 0.1", METRICS, PARAMS)


@pytest.mark.parametrize("expression, message", [
    ("metrics.accuracy >= ", "does not parse"),
    ("open('/etc/passwd')", "not allowed"),
    ("metrics.accuracy >= 0.9 if True else 1", "not allowed"),
    ("[x for x in ()]", "not allowed"),
    ("metrics.__class__ == 1", "no metric '__class__'"),
    ("lambda: 1", "not allowed"),
    ("metrics.accuracy ** 2 > 0", "not allowed"),
    ("", "is empty"),
])
def test_gates_that_are_refused(expression, message):
    with pytest.raises(GateError, match=message):
        check_gate(parse_gate(expression) if expression.strip() else expression, METRICS, PARAMS)


def test_missing_metric_lists_what_the_run_has():
    with pytest.raises(GateError, match=r"no metric 'f1' \(its metrics: accuracy, loss, val/acc\)"):
        check_gate("metrics.f1 > 0.5", METRICS, PARAMS)
