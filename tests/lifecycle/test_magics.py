"""The lifecycle magics: bad input is a UsageError before anything is written."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError


@pytest.mark.slow
def test_bad_input_is_a_usage_error(ip, mlops_root):
    with pytest.raises(UsageError, match="an endpoint follows an alias; write NAME@ALIAS"):
        ip.run_line_magic("rollback", "churn")
    with pytest.raises(UsageError, match="name the version to promote as NAME/VERSION"):
        ip.run_line_magic("promote", "churn@champion")
    with pytest.raises(UsageError, match="No registered model 'churn'"):
        ip.run_line_magic("rollback", "churn@champion")
    with pytest.raises(UsageError, match="No policy 'churn'.*known: none yet"):
        ip.run_line_magic("retrain", "churn")
    with pytest.raises(UsageError, match="has no endpoint"):
        ip.run_line_magic("endpoint", "churn@champion --close")
    (mlops_root / "policies").mkdir()
    (mlops_root / "policies" / "churn.yaml").write_text("model: churn\ntriggers:\n  drift: yes please\n")
    with pytest.raises(UsageError, match=r"churn.yaml, line 3: `drift:` must be true or false"):
        ip.run_line_magic("retrain", "churn")
    assert ip.run_line_magic("promotions", "churn").empty
