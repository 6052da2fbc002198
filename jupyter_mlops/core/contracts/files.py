"""Contract files: ``contracts/NAME.yaml`` beside the notebook, written to be read and
edited by people (and reviewed in git), read back with the line of every value so a
mistake is reported where it is.

``load(folder, name)`` raises :class:`UnknownContract` (listing the known names) or
:class:`ContractFileError` (naming the file and line); ``dump`` and ``save`` write one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from ..errors import InvalidInput, NotFound
from .model import DEFAULT_ALPHA, DEFAULT_MIN_ROWS, NAME_PATTERN, ColumnRule, Contract

FOLDER = "contracts"
SUFFIX = ".yaml"
_TOP_KEYS = ("name", "source", "ordered", "strict", "quantile_checks", "columns")
_COLUMN_KEYS = ("dtype", "nullable", "unique", "min", "max", "categories", "quantiles")


class ContractFileError(InvalidInput):
    """A contract file that does not parse or says something impossible; names the line."""

    default_code = "invalid_contract"


class UnknownContract(NotFound):
    default_code = "unknown_contract"


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name or ""):
        raise InvalidInput(f"Contract name {name!r} is not valid: use letters, digits, '_', '.' and '-' "
                           "(at most 100, starting with a letter or digit).")
    return name


def folder_of(base: Path) -> Path:
    """The contracts folder beside a notebook (``base`` is the notebook's folder)."""
    return Path(base) / FOLDER


def path_for(base: Path, name: str) -> Path:
    return folder_of(base) / f"{check_name(name)}{SUFFIX}"


def known(base: Path) -> list[str]:
    folder = folder_of(base)
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}") if p.is_file())


def load(base: Path, name: str) -> Contract:
    path = path_for(base, name)
    if not path.is_file():
        names = known(base)
        listed = ", ".join(names) if names else "none yet"
        raise UnknownContract(f"No contract {name!r} in {folder_of(base)} (known: {listed}); "
                              f"infer one with `%contract VARIABLE --name {name}`.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractFileError(f"{path}: cannot be read ({exc}).") from None
    return parse(text, str(path))


def save(base: Path, contract: Contract) -> Path:
    path = path_for(base, contract.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dump(contract), encoding="utf-8")
    tmp.replace(path)
    contract.path = str(path)
    return path


# -- reading -------------------------------------------------------------------------------
class _Mapping(dict):
    line = 0
    lines: dict


class _Sequence(list):
    line = 0


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings and lists know their lines (and each key's)."""

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        found = _Mapping()
        found.line = node.start_mark.line + 1
        found.lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key here is a list or mapping", key_node.start_mark) from None
            if key in found:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is given twice", key_node.start_mark)
            found[key] = self.construct_object(value_node, deep=True)
            found.lines[key] = key_node.start_mark.line + 1
        return found

    def construct_sequence(self, node, deep=False):
        found = _Sequence(self.construct_object(child, deep=True) for child in node.value)
        found.line = node.start_mark.line + 1
        return found


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def parse(text: str, where: str = "<contract>") -> Contract:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise ContractFileError(f"{where}{line}: not valid YAML ({exc.problem or exc.context}); "
                                "fix the file or infer it again with `%contract VARIABLE --name NAME --force`.",
                                line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ContractFileError(f"{where}: not valid YAML ({exc}).") from None
    return _Reader(where).contract(data)


class _Reader:
    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, line: int | None, message: str):
        at = f", line {line}" if line else ""
        raise ContractFileError(f"{self.where}{at}: {message}", line=line)

    def contract(self, data) -> Contract:
        if not isinstance(data, _Mapping):
            self.fail(getattr(data, "line", 1), "a contract is a mapping with `name:` and `columns:`.")
        self._only(data, _TOP_KEYS, "the contract")
        name = data.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            self.fail(data.lines.get("name", data.line), f"`name:` must be a contract name, not {name!r}.")
        columns = data.get("columns")
        if not isinstance(columns, _Mapping) or not columns:
            self.fail(data.lines.get("columns", data.line), "`columns:` must map each column name to its checks.")
        rules = [self.column(str(key), value, columns.lines[key]) for key, value in columns.items()]
        checks = data.get("quantile_checks") or _Mapping()
        if not isinstance(checks, _Mapping):
            self.fail(data.lines.get("quantile_checks"), "`quantile_checks:` holds `alpha:` and `min_rows:`.")
        self._only(checks, ("alpha", "min_rows"), "quantile_checks")
        alpha = checks.get("alpha", DEFAULT_ALPHA)
        if not _number(alpha) or not 0 < alpha < 1:
            self.fail(checks.lines.get("alpha"), f"`alpha:` must be a number between 0 and 1, not {alpha!r}.")
        min_rows = checks.get("min_rows", DEFAULT_MIN_ROWS)
        if not isinstance(min_rows, int) or isinstance(min_rows, bool) or min_rows < 1:
            self.fail(checks.lines.get("min_rows"), f"`min_rows:` must be a whole number >= 1, not {min_rows!r}.")
        source = data.get("source") or {}
        if not isinstance(source, dict):
            self.fail(data.lines.get("source"), "`source:` must be a mapping (where the contract was inferred from).")
        return Contract(name=name, columns=rules, ordered=self._flag(data, "ordered", True),
                        strict=self._flag(data, "strict", True), alpha=float(alpha), min_rows=min_rows,
                        source=dict(source), path=self.where)

    def column(self, name: str, data, line: int) -> ColumnRule:
        if not isinstance(data, _Mapping):
            self.fail(line, f"column {name!r}: give its checks as a mapping (at least `dtype:`).")
        self._only(data, _COLUMN_KEYS, f"column {name!r}")
        dtype = data.get("dtype")
        if not isinstance(dtype, str) or not dtype:
            self.fail(data.lines.get("dtype", line), f"column {name!r}: `dtype:` must name a pandas dtype "
                                                     "such as float64, int64, str, bool, category.")
        rule = ColumnRule(name=name, dtype=dtype, nullable=self._flag(data, "nullable", False),
                          unique=self._flag(data, "unique", False), line=line)
        for bound in ("min", "max"):
            value = data.get(bound)
            if value is not None and not (_number(value) or isinstance(value, str)):
                self.fail(data.lines[bound], f"column {name!r}: `{bound}:` must be a number (or a date), "
                                             f"not {value!r}.")
            setattr(rule, bound, value)
        if _number(rule.min) and _number(rule.max) and rule.min > rule.max:
            self.fail(data.lines["max"], f"column {name!r}: `max:` {rule.max} is below `min:` {rule.min}.")
        categories = data.get("categories")
        if categories is not None:
            if not isinstance(categories, list) or any(isinstance(v, (dict, list)) for v in categories):
                self.fail(data.lines["categories"], f"column {name!r}: `categories:` must be a list of values.")
            rule.categories = list(categories)
        rule.quantiles = self._quantiles(name, data)
        return rule

    def _quantiles(self, name: str, data: _Mapping) -> list[tuple[float, float]]:
        raw = data.get("quantiles")
        if raw is None:
            return []
        line = data.lines["quantiles"]
        if not isinstance(raw, list):
            self.fail(line, f"column {name!r}: `quantiles:` must be a list of [point, share] pairs.")
        pairs = []
        for item in raw:
            at = getattr(item, "line", line)
            if not (isinstance(item, list) and len(item) == 2 and all(_number(v) for v in item)):
                self.fail(at, f"column {name!r}: each quantile is [point, share], e.g. [5.8, 0.5]; not {item!r}.")
            point, share = float(item[0]), float(item[1])
            if not 0 < share < 1:
                self.fail(at, f"column {name!r}: a quantile's share must be between 0 and 1, not {share}.")
            pairs.append((point, share))
        return pairs

    def _flag(self, data: _Mapping, key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(data.lines.get(key, data.line), f"`{key}:` must be true or false, not {value!r}.")
        return value

    def _only(self, data: _Mapping, allowed: tuple, what: str) -> None:
        for key in data:
            if key not in allowed:
                self.fail(data.lines[key], f"{what}: unknown key {key!r} (known: {', '.join(allowed)}).")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# -- writing -------------------------------------------------------------------------------
_HEADER = """\
# Data contract {name!r}{origin}.
# Edit it and review it in git like code; `%contract --show {name}` prints it.
#   dtype       pandas dtype the column must have
#   nullable    false: no missing values
#   unique      true: a key column, no value twice
#   min / max   the range of the values
#   categories  the only values allowed
#   quantiles   [point, share]: the share of values <= point in the data it was inferred from;
#               a batch of at least quantile_checks.min_rows values whose share differs by more
#               than chance (all such checks together fail clean data with probability alpha)
#               violates the contract. Delete a line to drop a check.
"""


def dump(contract: Contract) -> str:
    source = contract.source or {}
    origin = f", inferred from `{source['variable']}`" if source.get("variable") else ""
    if source.get("rows") is not None:
        origin += f" ({source['rows']} rows)"
    body: dict[str, Any] = {"name": contract.name}
    if source:
        body["source"] = dict(source)
    body["ordered"] = contract.ordered
    body["strict"] = contract.strict
    body["quantile_checks"] = {"alpha": contract.alpha, "min_rows": contract.min_rows}
    columns: dict[str, Any] = {}
    for rule in contract.columns:
        entry: dict[str, Any] = {"dtype": rule.dtype, "nullable": rule.nullable}
        if rule.unique:
            entry["unique"] = True
        if rule.min is not None:
            entry["min"] = rule.min
        if rule.max is not None:
            entry["max"] = rule.max
        if rule.categories is not None:
            entry["categories"] = list(rule.categories)
        if rule.quantiles:
            entry["quantiles"] = [[point, share] for point, share in rule.quantiles]
        columns[rule.name] = entry
    body["columns"] = columns
    text = yaml.safe_dump(body, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100)
    return _HEADER.format(name=contract.name, origin=origin) + text
