"""What a tracked cell shows: its value as a plain cell would (a trailing ``;`` hides it), and
in its run summary the metrics the cell logged itself through MLflow."""

from __future__ import annotations

import pytest

from mlops_testing import client, run, sync


@pytest.fixture
def shown_values(ip, monkeypatch):
    """The values the display hook writes as Out[N]."""
    values = []
    original = ip.displayhook.write_format_data

    def write(format_dict, md_dict=None):
        values.append(format_dict.get("text/plain"))
        return original(format_dict, md_dict)

    monkeypatch.setattr(ip.displayhook, "write_format_data", write)
    return values


@pytest.mark.parametrize("body, shown", [
    ("1 + 1", ["2"]),
    ("1 + 1;", []),
    ("x = 5\nx * 2;  # a comment", []),
    ("1 + 1 ;\n\n", []),
    ("'a;b'", ["'a;b'"]),
])
def test_trailing_semicolon_hides_the_value_as_in_a_plain_cell(ip, shown_values, body, shown):
    run(ip, body)
    plain = list(shown_values)
    shown_values.clear()
    assert run(ip, "%%track -q\n" + body).success
    assert shown_values == plain == shown
    assert not hasattr(ip.displayhook.__dict__, "quiet") and "quiet" not in ip.displayhook.__dict__


@pytest.mark.slow
def test_summary_shows_metrics_logged_with_mlflow(ip, monkeypatch):
    run(ip, "%%track -q -e warmup\nx = 1")
    sync(ip)  # the drainer is up
    published = []
    monkeypatch.setattr(ip.display_pub, "publish", lambda data, *a, **k: published.append(data))
    result = run(ip, "%%track --name logged -m own\nimport mlflow\nmlflow.log_metric('val_auc', 0.875)\n"
                     "mlflow.log_metric('val_auc', 0.9125, step=1)\nown = 0.25")
    assert result.success
    text = "".join(d.get("text/plain", "") for d in published)
    html = "".join(d.get("text/html", "") for d in published)
    assert "val_auc" in text and "0.9125" in text and "own" in text
    assert "val_auc" in html and "0.9125" in html
    sync(ip)
    [tracked] = client().search_runs([client().get_experiment_by_name("Default").experiment_id])
    assert tracked.data.metrics == {"val_auc": 0.9125, "own": 0.25}


def test_summary_without_mlflow_does_not_touch_the_store(ip, monkeypatch):
    import sys

    published = []
    monkeypatch.setattr(ip.display_pub, "publish", lambda data, *a, **k: published.append(data))
    had_mlflow = "mlflow" in sys.modules
    assert run(ip, "%%track --name plain\nz = 3").success
    assert "plain" in "".join(d.get("text/plain", "") for d in published)
    assert ("mlflow" in sys.modules) == had_mlflow


def test_empty_deployments_says_so(ip, capsys):
    assert ip.run_line_magic("deployments", "") is None
    assert ip.run_line_magic("deployments", "churn") is None
    out = capsys.readouterr().out
    assert "No deployments: `%deploy NAME@ALIAS` starts one." in out
    assert "No deployments of churn:" in out
