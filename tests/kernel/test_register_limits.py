"""%register refuses names and tags MLflow would refuse, before anything is logged."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from jupyter_mlops.core import names


@pytest.mark.parametrize("line, says", [
    ("m --name " + "x" * (names.MLFLOW_MAX_MODEL_NAME_LENGTH + 1), "--name is"),
    ("m --name ok --tag " + "k" * 300 + "=v", "--tag key"),
    ("m --name ok --tag k=" + "v" * (names.MLFLOW_MAX_MODEL_TAG_VALUE_LENGTH + 1), "--tag"),
])
@pytest.mark.slow
def test_register_checks_mlflow_limits_first(ip, line, says):
    ip.user_ns["m"] = object()  # not even a model: the line is checked before the object
    with pytest.raises(UsageError, match=says):
        ip.run_line_magic("register", line)
