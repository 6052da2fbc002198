"""core/contracts: inference, the file format and its errors, validate() and its report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_mlops.core import contracts
from jupyter_mlops.core.errors import InvalidInput
from jupyter_mlops.core.models.gate import check_gate, parse_gate


@pytest.fixture
def frame():
    rng = np.random.default_rng(3)
    n = 500
    return pd.DataFrame({
        "order_id": np.arange(n), "amount": rng.gamma(2.0, 30.0, n), "items": rng.integers(1, 9, n),
        "country": rng.choice(["DE", "FR", "NL"], n), "when": pd.date_range("2024-01-01", periods=n, freq="h"),
        "note": np.where(rng.random(n) < 0.2, None, "ok"), "paid": rng.random(n) < 0.7,
        "tier": pd.Categorical(rng.choice(["a", "b"], n)),
    })


def checks(report) -> list[tuple[str, str | None]]:
    return [(v.check, v.column) for v in report.violations]


def test_inferred_contract_round_trips_through_its_file(frame, tmp_path):
    contract = contracts.infer(frame, "orders", variable="frame", digest="d" * 32)
    rules = {c.name: c for c in contract.columns}
    assert rules["order_id"].unique and rules["order_id"].min == 0 and rules["order_id"].max == 499
    assert rules["country"].categories == ["DE", "FR", "NL"] and not rules["country"].nullable
    assert rules["note"].nullable and rules["note"].categories == ["ok"]
    assert rules["when"].min == "2024-01-01T00:00:00" and rules["tier"].categories == ["a", "b"]
    assert len(rules["amount"].quantiles) == 5 and rules["amount"].dtype == "float64"
    path = contracts.save(tmp_path, contract)
    assert path == tmp_path / "contracts" / "orders.yaml"
    again = contracts.load(tmp_path, "orders")
    assert again == contract and again.source["digest"] == "d" * 32
    assert contracts.validate(frame, again).ok


def test_each_kind_of_fault_is_a_named_violation(frame):
    contract = contracts.infer(frame, "orders")
    bad = frame.copy()
    bad.loc[4, "amount"] = np.nan
    bad.loc[7, "country"] = "XX"
    bad.loc[9, "items"] = 99
    bad.loc[11, "order_id"] = 10
    bad["when"] = bad["when"] + pd.Timedelta(days=400)
    report = contracts.validate(bad, contract)
    assert set(checks(report)) == {("not_null", "amount"), ("categories", "country"), ("range", "items"),
                                   ("unique", "order_id"), ("range", "when")}
    unique = next(v for v in report.violations if v.check == "unique")
    assert unique.examples == [10] and {r["index"] for r in unique.rows} == {10, 11}
    assert report.metrics() == {"contract.orders.violations": 5.0,
                                "contract.orders.failed_values": float(sum(v.count for v in report.violations))}


def test_structure_faults(frame):
    contract = contracts.infer(frame, "orders")
    assert checks(contracts.validate(frame.drop(columns=["items"]), contract)) == [("missing_column", "items")]
    renamed = contracts.validate(frame.rename(columns={"items": "n_items"}), contract)
    assert set(checks(renamed)) == {("missing_column", "items"), ("unexpected_column", "n_items")}
    reordered = contracts.validate(frame[list(reversed(frame.columns))], contract)
    assert checks(reordered) == [("column_order", None)]
    retyped = contracts.validate(frame.astype({"items": "float64"}), contract)
    assert checks(retyped) == [("dtype", "items")] and "is float64, the contract says int64" in retyped.summary()
    doubled = pd.concat([frame, frame[["amount"]]], axis=1)
    assert ("duplicate_column", None) in checks(contracts.validate(doubled, contract))


def test_missing_columns_are_violations_not_key_errors(frame):
    contract = contracts.infer(frame, "orders")
    report = contracts.validate(pd.DataFrame({"other": [1, 2]}), contract)
    assert sorted(c for c, _ in checks(report)) == ["missing_column"] * 8 + ["unexpected_column"]
    assert contracts.validate(frame[[]], contract).violations  # no columns at all
    with pytest.raises(InvalidInput, match="validates a pandas DataFrame, not list"):
        contracts.validate([1, 2], contract)


def test_quantile_checks_catch_a_shift_and_pass_resamples(frame):
    contract = contracts.infer(frame, "orders")
    rng = np.random.default_rng(0)
    failures = 0
    for _ in range(100):
        sample = frame.iloc[rng.integers(0, len(frame), len(frame))].copy()
        sample["order_id"] = np.sort(frame["order_id"].to_numpy())  # a re-sample has its own keys
        failures += not contracts.validate(sample, contract).ok
    assert failures <= 2
    shifted = frame.assign(amount=(frame.amount + frame.amount.std()).clip(upper=frame.amount.max()))
    assert checks(contracts.validate(shifted, contract)) == [("quantiles", "amount")]
    # too few rows to say anything about a distribution: only the other checks run
    assert contracts.validate(shifted.head(10), contract).ok


@pytest.mark.parametrize("text, line, message", [
    ("name: x\ncolumns:\n  a: {dtype: int64\n", 4, "not valid YAML"),
    ("name: x\ncolumns:\n  a:\n    dtype: int64\n    nullable: maybe\n", 5, "`nullable:` must be true or false"),
    ("name: x\ncolumns:\n  a:\n    dtype: int64\n    colour: red\n", 5, "unknown key 'colour'"),
    ("name: x\ncolumns:\n  a:\n    dtype: float64\n    quantiles:\n    - [1.0, 2.0]\n", 6, "between 0 and 1"),
    ("name: x\ncolumns:\n  a:\n    dtype: float64\n    min: 3\n    max: 1\n", 6, "is below `min:`"),
    ("name: x\nname: y\ncolumns: {}\n", 2, "given twice"),
    ("name: bad name\ncolumns:\n  a: {dtype: int64}\n", 1, "must be a contract name"),
    ("- just\n- a list\n", 1, "a contract is a mapping"),
])
def test_a_file_that_does_not_parse_names_the_line(text, line, message):
    with pytest.raises(contracts.ContractFileError, match=message) as raised:
        contracts.parse(text, "contracts/x.yaml")
    assert f"contracts/x.yaml, line {line}:" in str(raised.value)


def test_unknown_contract_lists_the_known_ones(frame, tmp_path):
    contracts.save(tmp_path, contracts.infer(frame, "orders"))
    contracts.save(tmp_path, contracts.infer(frame, "customers"))
    with pytest.raises(contracts.UnknownContract, match=r"No contract 'nope' .*\(known: customers, orders\)"):
        contracts.load(tmp_path, "nope")
    assert contracts.known(tmp_path) == ["customers", "orders"]


def test_an_edited_contract_is_what_is_checked(frame, tmp_path):
    contracts.save(tmp_path, contracts.infer(frame, "orders"))
    path = tmp_path / "contracts" / "orders.yaml"
    text = path.read_text().replace("strict: true", "strict: false").replace("ordered: true", "ordered: false")
    path.write_text(text)
    relaxed = contracts.load(tmp_path, "orders")
    extra = frame.assign(extra=1)[["extra"] + list(frame.columns)]
    assert contracts.validate(extra, relaxed).ok


def test_the_report_fits_one_tag(frame):
    contract = contracts.infer(frame, "orders")
    wide = pd.concat([frame, pd.DataFrame({f"x{i}": i for i in range(400)}, index=frame.index)], axis=1)
    report = contracts.validate(wide, contract)
    tag = report.as_tag(7900, variable="wide")
    import json

    body = json.loads(tag)
    assert len(tag) <= 7900 and body["status"] == "failed" and body["more"] > 0


def test_gate_reads_contract_outcomes():
    gate = parse_gate("contract:train-v2 and metrics.acc > 0.5")
    assert gate.contracts() == ["train-v2"]
    assert check_gate(gate, {"acc": 0.9}, {}, contracts={"train-v2": True}) == {
        "contract:train-v2": True, "metrics.acc": 0.9}
    with pytest.raises(ValueError, match=r"failed \(contract:train-v2 = False"):
        check_gate(gate, {"acc": 0.9}, {}, contracts={"train-v2": False})
    with pytest.raises(ValueError, match="contract:train-v2 was not checked"):
        check_gate(gate, {"acc": 0.9}, {})
