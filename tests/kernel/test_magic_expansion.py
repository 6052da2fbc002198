"""Our magics expand $name and {expression} in their line as IPython does, except in lines
longer than MAX_EXPANDED, which IPython's quadratic expansion would stall on."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from jupyter_mlops.core import names
from jupyter_mlops.kernel.args import MAX_EXPANDED
from mlops_testing import all_runs, run, sync


def test_names_and_expressions_expand_from_the_namespace_and_the_callers_locals(ip):
    ip.user_ns["base"] = "trial"
    assert run(ip, "%%track --name $base-{1 + 1} -q\nx = 1").success
    sync(ip)
    assert "trial-2" in [r.info.run_name for r in all_runs()]

    def inner():
        base = "local"  # noqa: F841 - read by the magic's expansion
        ip.run_line_magic("contract", "--show $base")

    with pytest.raises(UsageError, match="No contract 'local'"):
        inner()


def test_a_long_line_is_taken_as_written_and_checked_at_once(ip):
    ip.user_ns["m"] = object()
    ip.user_ns["v"] = "x"  # expanded, the value would be one character shorter
    value = "$v" + "v" * names.MLFLOW_MAX_MODEL_TAG_VALUE_LENGTH
    assert len(value) > MAX_EXPANDED
    with pytest.raises(UsageError, match=r"--tag 'k': the value is 100002 characters long"):
        ip.run_line_magic("register", f"m --name ok --tag k={value}")
