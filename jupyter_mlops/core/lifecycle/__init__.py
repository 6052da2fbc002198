"""Closing the loop: retraining triggers, a champion/challenger gate, zero-downtime
promotion, rollback, audit.

The API other layers (CLI, magics, the server extension, the sidebar) call::

    from jupyter_mlops.core import lifecycle

    lifecycle.load_policy(root, "churn")            # policies/churn.yaml; PolicyError names the line
    lifecycle.retrain("churn")                      # run the policy once -> Outcome
    lifecycle.Watcher(root=...).tick()              # evaluate triggers once (watch.py)
    lifecycle.promote("churn", "3", "champion", force=False)
    lifecycle.rollback("churn", "champion")
    lifecycle.open_endpoint("churn@champion", port=8080)   # a stable port across versions
    lifecycle.rollover("churn", "champion")
    lifecycle.model_status("churn")                 # promotion history + pending triggers (sidebar)
    lifecycle.airflow_trigger("train.ipynb")        # the exported DAG's schedule and data assets
"""

from __future__ import annotations

from .api import airflow_trigger, model_status, retrain
from .audit import Decision, history
from .endpoint import Endpoint, close_endpoint, endpoint_of, open_endpoint, rollover
from .policy import Policy, PolicyError, UnknownPolicy, known
from .policy import load as load_policy
from .promote import describe_move, promote, rollback
from .retrain import Outcome, RetrainError
from .watch import Watcher

__all__ = ["Decision", "Endpoint", "Outcome", "Policy", "PolicyError", "RetrainError", "UnknownPolicy", "Watcher",
           "airflow_trigger", "close_endpoint", "describe_move", "endpoint_of", "history", "known", "load_policy",
           "model_status", "open_endpoint", "promote", "retrain", "rollback", "rollover"]
