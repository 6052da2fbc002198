"""Def/use analysis of cells and redaction of secrets."""

from __future__ import annotations

import pytest

from jupyter_mlops.core.tracking.codeinfo import analyze
from jupyter_mlops.core.tracking.redact import redact_mapping, redact_text


def test_reads_writes_and_params():
    code = analyze(
        "import numpy as np\nlr = 0.1\nlayers = [64, 32]\nx = df.copy()\nx['a'] += 1\ndf2['b'] = 2\n"
        "total += 1\ndef f(y):\n    return y * scale + np.e\ng = lambda z: z + offset\n"
        "ys = [v * k for v in vals]\ndel old\nname = compute()\n"
    )
    assert code.reads == {"df", "df2", "total", "scale", "offset", "vals", "k", "old", "compute"}
    assert code.writes >= {"np", "lr", "layers", "x", "df2", "total", "f", "g", "ys", "old", "name"}
    assert code.mutates == {"df2"}  # x is a new object bound in this cell, not an earlier one changed
    assert code.params == {"lr": 0.1, "layers": [64, 32]}


def test_a_name_assigned_before_it_is_read_is_not_a_read():
    assert analyze("a = 1\nb = a + 1").reads == frozenset()
    assert analyze("b = a + 1\na = 1").reads == {"a"}


def test_reassigned_to_computed_value_is_not_a_param():
    assert analyze("lr = 0.1\nlr = schedule(lr)").params == {}


def test_syntax_error_is_reported_not_raised():
    assert analyze("x = (").syntax_error.startswith("line 1")


@pytest.mark.parametrize("text, secret", [
    ('db = "postgresql://bob:hunter2@db:5432/x"', "hunter2"),
    ('api_key = "abcd1234efgh"', "abcd1234efgh"),
    ("token=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ghp_aaaa"),
    ("key AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    ('headers={"Authorization": "Bearer abcdefghijklmnopqrstuvwxyz"}', "abcdefghijklmnop"),
    ('os.environ["MY_SECRET"] = "s3cr3t!!"', "s3cr3t!!"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "MIIE"),
])
def test_secrets_are_masked(text, secret):
    assert secret not in redact_text(text)


def test_ordinary_code_is_left_alone():
    text = "lr = 0.1\nmax_tokens = 512\nurl = 'https://example.org/data.csv'"
    assert redact_text(text) == text
    assert redact_mapping({"password": "x", "max_tokens": "1000", "lr": "0.1"}) == \
        {"password": "***", "max_tokens": "1000", "lr": "0.1"}
