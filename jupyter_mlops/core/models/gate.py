"""Validation gates for registration: ``metrics.accuracy >= 0.9 and params.depth <= 8``.

The expression is parsed with :mod:`ast` and only a small grammar is accepted:
``metrics.NAME`` / ``params.NAME`` / ``tags.NAME`` (or ``metrics["val/acc"]`` for names
that are not identifiers), numbers, strings, ``True``/``False``, comparisons (chains too),
``and``, ``or``, ``not``, unary minus and parentheses.  Nothing is ever passed to eval.

``contract:NAME`` holds when the run's training data meets the data contract NAME
(core/contracts); the caller validates and passes the outcomes as ``contracts=``, e.g.
``contract:train and metrics.accuracy >= 0.9``.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass

_COMPARE = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
_SOURCES = ("metrics", "params", "tags", "contracts")
_CONTRACT = re.compile(r"\bcontract:([A-Za-z0-9][A-Za-z0-9_.-]*)")


class GateError(ValueError):
    """The gate expression does not parse, names something the run lacks, or fails."""


@dataclass(frozen=True)
class Gate:
    expression: str
    tree: ast.Expression

    def references(self) -> list[tuple[str, str]]:
        """The (source, name) pairs the expression reads, in order, without repeats."""
        seen: list[tuple[str, str]] = []
        for node in ast.walk(self.tree):
            ref = _reference(node)
            if ref and ref not in seen:
                seen.append(ref)
        return seen

    def contracts(self) -> list[str]:
        """The contract names the expression requires (``contract:NAME``)."""
        return [name for source, name in self.references() if source == "contracts"]


def parse_gate(expression: str) -> Gate:
    text = (expression or "").strip()
    if not text:
        raise GateError("The --require expression is empty; write e.g. \"metrics.accuracy >= 0.9\".")
    try:
        tree = ast.parse(_CONTRACT.sub(lambda m: f"contracts[{m.group(1)!r}]", text), mode="eval")
    except SyntaxError as exc:
        raise GateError(f"The --require expression {text!r} does not parse ({exc.msg}); "
                        "write e.g. \"metrics.accuracy >= 0.9 and metrics.loss < 0.2\".") from None
    for node in ast.walk(tree):
        _check_node(node, text)
    if not any(isinstance(n, (ast.Compare, ast.BoolOp, ast.UnaryOp)) for n in ast.walk(tree)) \
            and _reference(tree.body) is None:
        raise GateError(f"The --require expression {text!r} compares nothing; write e.g. \"metrics.accuracy >= 0.9\".")
    return Gate(text, tree)


def check_gate(gate: Gate | str, metrics: dict, params: dict, tags: dict | None = None,
               contracts: dict[str, bool] | None = None) -> dict:
    """Raise :class:`GateError` unless the gate holds for these run values; returns the
    values it read, e.g. ``{"metrics.accuracy": 0.93}``.  ``contracts`` maps each
    contract name to whether the training data meets it."""
    if isinstance(gate, str):
        gate = parse_gate(gate)
    values = {"metrics": metrics, "params": params, "tags": tags or {}, "contracts": contracts or {}}
    read: dict = {}
    for source, name in gate.references():
        if source == "contracts" and name not in values[source]:
            raise GateError(f"--require {gate.expression!r}: contract:{name} was not checked; nothing was registered.")
        if name not in values[source]:
            have = ", ".join(sorted(values[source])[:20]) or "none"
            raise GateError(f"--require {gate.expression!r}: the run has no {source[:-1]} {name!r} "
                            f"(its {source}: {have}); nothing was registered.")
        read[f"contract:{name}" if source == "contracts" else f"{source}.{name}"] = values[source][name]
    if not _evaluate(gate.tree.body, values):
        shown = ", ".join(f"{k} = {v!r}" for k, v in read.items())
        raise GateError(f"--require {gate.expression!r} failed ({shown}); nothing was registered.")
    return read


def _reference(node) -> tuple[str, str] | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in _SOURCES:
        return node.value.id, node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in _SOURCES \
            and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.value.id, node.slice.value
    return None


def _check_node(node, text: str) -> None:
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
               ast.Compare, ast.Load, *_COMPARE)
    if isinstance(node, allowed) or _reference(node) is not None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        return
    if isinstance(node, ast.Name) and node.id in _SOURCES:
        return  # the base of metrics.x, checked as part of its Attribute/Subscript
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        inner = node.value
        if isinstance(inner, ast.Name) and inner.id in _SOURCES:
            return
    what = ast.get_source_segment(text, node) or type(node).__name__
    raise GateError(f"The --require expression {text!r} may only use metrics.NAME, params.NAME, tags.NAME, "
                    f"contract:NAME, numbers, strings, comparisons, and/or/not; {what!r} is not allowed.")


def _evaluate(node, values: dict):
    ref = _reference(node)
    if ref is not None:
        return values[ref[0]][ref[1]]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BoolOp):
        results = (bool(_evaluate(v, values)) for v in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        if isinstance(node.op, ast.Not):
            return not operand
        number = _number(operand)
        return -number if isinstance(node.op, ast.USub) else number
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, values)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(right_node, values)
            a, b = _comparable(left, right)
            if not _COMPARE[type(op)](a, b):
                return False
            left = right
        return True
    raise GateError(f"cannot evaluate {type(node).__name__}")  # unreachable after _check_node


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise GateError(f"{value!r} is not a number") from None
    return value


def _comparable(a, b):
    """Params and tags are strings in MLflow: compare them as numbers when the other side is one."""
    if isinstance(a, (int, float)) and not isinstance(a, bool) and isinstance(b, str):
        return a, _number(b)
    if isinstance(b, (int, float)) and not isinstance(b, bool) and isinstance(a, str):
        return _number(a), b
    if isinstance(a, bool) and isinstance(b, str):
        return str(a).lower(), b.lower()
    if isinstance(b, bool) and isinstance(a, str):
        return a.lower(), str(b).lower()
    return a, b
