"""The gate: a challenger version against the champion, on the policy's holdout rows.

Both versions are loaded with ``mlflow.pyfunc`` (as their servers load them) and predict
the holdout's features; the target column is the truth.  The challenger passes when

- it meets the policy's ``require`` thresholds (``metrics.accuracy >= 0.8``: the
  ``--require`` grammar of core/models/gate.py, over the holdout metrics);
- its ``metric`` beats the champion's by at least ``min_improvement`` (relative; for an
  error metric such as rmse, lower by that fraction);
- the retraining data meets the data contract (``contract:``), when one is named.

No champion (the alias points nowhere yet): only the thresholds and the contract count.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .. import store
from ..store import compat
from .data import read_table, read_tables
from .policy import METRICS, Policy


@dataclass
class GateResult:
    passed: bool
    metric: str
    challenger_version: str
    champion_version: str | None
    challenger: dict  # metric -> value on the holdout
    champion: dict
    improvement: float | None  # relative, positive = better
    reasons: list[str] = field(default_factory=list)  # why it failed (empty when it passed)
    contract: dict | None = None  # {"name", "ok", "summary"}
    holdout_rows: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    def figures(self) -> dict:
        """The numbers of both models, as decision-run metrics."""
        found = {f"challenger.{k}": v for k, v in self.challenger.items()}
        found.update({f"champion.{k}": v for k, v in self.champion.items()})
        if self.improvement is not None:
            found["improvement"] = self.improvement
        found["holdout_rows"] = self.holdout_rows
        return found

    def summary(self) -> str:
        ours = self.challenger.get(self.metric)
        theirs = self.champion.get(self.metric)
        text = f"v{self.challenger_version} {self.metric}={ours:.4g}"
        if theirs is not None:
            text += f" vs champion v{self.champion_version} {theirs:.4g}"
        return text + (": passed" if self.passed else ": refused (" + "; ".join(self.reasons) + ")")


def holdout_metrics(model, features, truth, wanted: list[str]) -> dict[str, float]:
    import numpy as np
    from sklearn import metrics as sk

    predicted = np.asarray(model.predict(features))
    if predicted.ndim > 1:
        predicted = predicted[:, 0]
    found: dict[str, float] = {}
    for name in wanted:
        if name == "accuracy":
            found[name] = float(sk.accuracy_score(truth, predicted))
        elif name in ("f1", "precision", "recall"):
            score = {"f1": sk.f1_score, "precision": sk.precision_score, "recall": sk.recall_score}[name]
            binary = len(set(np.asarray(truth).tolist())) <= 2
            found[name] = float(score(truth, predicted, average="binary" if binary else "macro", zero_division=0))
        elif name == "rmse":
            found[name] = float(np.sqrt(sk.mean_squared_error(truth, predicted)))
        elif name == "mae":
            found[name] = float(sk.mean_absolute_error(truth, predicted))
        elif name == "r2":
            found[name] = float(sk.r2_score(truth, predicted))
    return found


def load_version(tracking_uri: str, name: str, version: str):
    import mlflow.pyfunc

    with compat.fluent_tracking_uri(tracking_uri):
        return mlflow.pyfunc.load_model(f"models:/{name}/{version}")


def evaluate(policy: Policy, tracking_uri: str, challenger_version: str, champion_version: str | None) -> GateResult:
    from ..models.gate import GateError, check_gate

    assert policy.holdout is not None and policy.target is not None
    holdout = read_table(policy.holdout)
    if policy.target not in holdout.columns:
        from ..errors import InvalidInput

        raise InvalidInput(f"{policy.path}: the holdout {policy.holdout} has no target column {policy.target!r} "
                           f"(its columns: {', '.join(map(str, holdout.columns))}).")
    features, truth = holdout.drop(columns=[policy.target]), holdout[policy.target]
    wanted = _wanted(policy)
    challenger = holdout_metrics(load_version(tracking_uri, policy.model, challenger_version), features, truth, wanted)
    champion = holdout_metrics(load_version(tracking_uri, policy.model, champion_version), features, truth,
                               wanted) if champion_version else {}
    reasons: list[str] = []
    if policy.require:
        try:
            check_gate(policy.require, challenger, {})
        except GateError as exc:
            reasons.append(str(exc).replace("; nothing was registered.", "").replace("--require", "require"))
    improvement = None
    if champion:
        ours, theirs = challenger[policy.metric], champion[policy.metric]
        scale = abs(theirs) or 1.0
        improvement = (ours - theirs) / scale if METRICS[policy.metric] else (theirs - ours) / scale
        if improvement < policy.min_improvement:
            reasons.append(f"{policy.metric} {ours:.4g} vs the champion's {theirs:.4g}: relative improvement "
                           f"{improvement:+.2%} is below the required {policy.min_improvement:.2%}")
    contract = None
    if policy.contract:
        contract = _contract(policy)
        if not contract["ok"]:
            reasons.append(f"the retraining data breaks contract {policy.contract}: {contract['summary']}")
    return GateResult(passed=not reasons, metric=policy.metric, challenger_version=str(challenger_version),
                      champion_version=champion_version, challenger=challenger, champion=champion,
                      improvement=improvement, reasons=reasons, contract=contract, holdout_rows=len(holdout))


def _wanted(policy: Policy) -> list[str]:
    wanted = [policy.metric]
    if policy.require:
        from ..models.gate import parse_gate

        wanted += [n for s, n in parse_gate(policy.require).references() if s == "metrics" and n in METRICS]
    return list(dict.fromkeys(wanted))


def _contract(policy: Policy) -> dict:
    from .. import contracts

    contract = contracts.load(policy.base, policy.contract or "")
    frame = read_tables(policy.data)
    if frame is None:
        return {"name": policy.contract, "ok": False, "summary": "no csv or parquet file among the data paths"}
    report = contracts.validate(frame, contract)
    return {"name": policy.contract, "ok": bool(report.ok), "summary": report.summary(limit=5)}


def champion_version(client, policy: Policy) -> str | None:
    model = store.registered_model_or_none(client, policy.model)
    if model is None or policy.alias not in model.aliases:
        return None
    return str(model.aliases[policy.alias])
