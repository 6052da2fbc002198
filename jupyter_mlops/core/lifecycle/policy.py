"""Retraining policies: ``policies/NAME.yaml`` beside the notebook, reviewed in git.

::

    model: churn                    # registered model (default: the file's name)
    alias: champion                 # the alias promotion moves (default champion)
    triggers:
      drift: true                   # a drift alert recorded by monitoring on a deployment of the model
      schedule: "0 3 * * *"         # cron (croniter syntax), this machine's local time
      data: [data/train.csv]        # files or folders: a new fingerprint is a trigger
    retrain:
      notebook: train.ipynb         # exported with `jupyter-mlops export` (python target) and run
      # package: train_pipeline     # ... or a package exported already
      params: {C: 1.0}              # --param NAME=VALUE of the run
      model: model                  # the pipeline value holding the fitted model
      reference: X                  # optional: the training rows to profile for drift checks
      timeout: 1800                 # seconds
    gate:
      holdout: data/holdout.csv     # csv or parquet: features and the target column
      target: y
      metric: accuracy              # compared with the champion's on the same rows
      min_improvement: 0.0          # relative: 0.01 = the challenger must be 1% better
      require: "metrics.accuracy >= 0.8"   # thresholds on the challenger (the --require grammar)
      contract: train               # the retraining data meets contracts/train.yaml
    promotion:
      rollover: true                # roll deployments of NAME@ALIAS over to the new version

Paths are relative to the notebook's folder (the policy folder's parent).  A mistake is a
:class:`PolicyError` naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InvalidInput, NotFound

FOLDER = "policies"
SUFFIX = ".yaml"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# metric -> True when higher is better
METRICS = {"accuracy": True, "f1": True, "precision": True, "recall": True, "rmse": False, "mae": False, "r2": True}
_SECTIONS = {
    "": ("model", "alias", "triggers", "retrain", "gate", "promotion"),
    "triggers": ("drift", "schedule", "data"),
    "retrain": ("notebook", "package", "params", "model", "reference", "timeout"),
    "gate": ("holdout", "target", "metric", "min_improvement", "require", "contract"),
    "promotion": ("rollover",),
}


class PolicyError(InvalidInput):
    """A policy file that does not parse or says something impossible; names the line."""

    default_code = "invalid_policy"


class UnknownPolicy(NotFound):
    default_code = "unknown_policy"


@dataclass
class Policy:
    name: str  # the file's name (policies/NAME.yaml)
    model: str
    path: Path
    base: Path  # the notebook's folder: relative paths resolve here
    alias: str = "champion"
    drift: bool = False
    schedule: str | None = None
    data: list[Path] = field(default_factory=list)
    notebook: Path | None = None
    package: Path | None = None
    params: dict = field(default_factory=dict)
    model_value: str = "model"
    reference_value: str | None = None
    timeout: float = 1800.0
    holdout: Path | None = None
    target: str | None = None
    metric: str = "accuracy"
    min_improvement: float = 0.0
    require: str | None = None
    contract: str | None = None
    rollover: bool = True
    text_hash: str = ""

    @property
    def higher_is_better(self) -> bool:
        return METRICS[self.metric]

    def relative(self, path: Path | None) -> str | None:
        if path is None:
            return None
        try:
            return str(path.relative_to(self.base))
        except ValueError:
            return str(path)


def folder_of(base: Path) -> Path:
    return Path(base) / FOLDER


def known(base: Path) -> list[str]:
    folder = folder_of(base)
    return sorted(p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def load(base: Path, name: str) -> Policy:
    """The policy ``policies/NAME.yaml`` under ``base``; UnknownPolicy lists the known ones."""
    if not NAME_PATTERN.match(name or ""):
        raise PolicyError(f"Policy name {name!r} is not valid: use letters, digits, '_', '.' and '-'.")
    path = folder_of(base) / f"{name}{SUFFIX}"
    if not path.is_file():
        listed = ", ".join(known(base)) or "none yet"
        raise UnknownPolicy(f"No policy {name!r} in {folder_of(base)} (known: {listed}); write "
                            f"{FOLDER}/{name}{SUFFIX} (README: Retraining and promotion).")
    return load_file(path)


def load_file(path: Path) -> Policy:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot be read ({exc}).") from None
    return parse(text, Path(path))


def discover(root: Path, depth: int = 4) -> list[Path]:
    """Every ``policies/*.yaml`` under ``root`` (the Jupyter root), at most ``depth``
    folders down; hidden folders, virtualenvs and node_modules are skipped."""
    import os

    root = Path(root)
    found: list[Path] = []
    for folder, subfolders, _ in os.walk(root):
        here = Path(folder)
        level = len(here.relative_to(root).parts)
        subfolders[:] = [] if level >= depth else sorted(
            s for s in subfolders if not s.startswith(".") and s not in ("node_modules", "site-packages", "__pycache__")
            and not (here / s / "pyvenv.cfg").exists())
        if here.name == FOLDER:
            found += sorted(p for p in here.glob(f"*{SUFFIX}") if p.is_file())
    return found


def load_all(root: Path) -> tuple[list[Policy], list[PolicyError]]:
    """Every policy under ``root`` (``discover``), and the errors of those that do not load."""
    found, errors = [], []
    for path in discover(root):
        try:
            found.append(load_file(path))
        except PolicyError as exc:
            errors.append(exc)
    return found, errors


def parse(text: str, path: Path) -> Policy:
    import xxhash

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        _fail(path, mark.line + 1 if mark else None, f"not valid YAML ({exc.problem or exc.context}).")
    except yaml.YAMLError as exc:
        _fail(path, None, f"not valid YAML ({exc}).")
    reader = _Reader(Path(path))
    policy = reader.policy(root)
    policy.text_hash = xxhash.xxh3_128_hexdigest(text.encode())
    return policy


def _fail(path: Path, line: int | None, message: str):
    at = f", line {line}" if line else ""
    raise PolicyError(f"{path}{at}: {message}", line=line)


class _Reader:
    """Walks the composed YAML nodes, so every value keeps its line."""

    def __init__(self, path: Path):
        self.path = path
        self.base = path.parent.parent if path.parent.name == FOLDER else path.parent

    def fail(self, node, message: str):
        _fail(self.path, node.start_mark.line + 1 if node is not None else None, message)

    def mapping(self, node, section: str) -> dict[str, tuple]:
        where = f"`{section}:`" if section else "a policy"
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{where} must be a mapping of {', '.join(_SECTIONS[section])}.")
        found: dict[str, tuple] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key not in _SECTIONS[section]:
                self.fail(key_node, f"unknown key {key!r} in {where}; expected one of {', '.join(_SECTIONS[section])}.")
            if key in found:
                self.fail(key_node, f"{key!r} is given twice.")
            found[key] = (key_node, value_node)
        return found

    def value(self, node):
        return yaml.SafeLoader("").construct_object(node, deep=True)

    def string(self, entry, what: str) -> str:
        value = self.value(entry[1])
        if not isinstance(value, str) or not value.strip():
            self.fail(entry[1], f"{what} must be a non-empty text, not {value!r}.")
        return value.strip()

    def number(self, entry, what: str, low: float, high: float | None = None) -> float:
        value = self.value(entry[1])
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or \
                (high is not None and value > high):
            limit = f"between {low:g} and {high:g}" if high is not None else f">= {low:g}"
            self.fail(entry[1], f"{what} must be a number {limit}, not {value!r}.")
        return float(value)

    def flag(self, entry, what: str) -> bool:
        value = self.value(entry[1])
        if not isinstance(value, bool):
            self.fail(entry[1], f"{what} must be true or false, not {value!r}.")
        return value

    def file(self, entry, what: str, folder: bool = False) -> Path:
        text = self.string(entry, what)
        found = (self.base / text).resolve()
        if not found.exists() and not folder:
            self.fail(entry[1], f"{what} {text!r}: no such file under {self.base}.")
        return found

    def policy(self, root) -> Policy:
        if root is None:
            _fail(self.path, 1, "the file is empty; a policy needs at least `retrain:` and `gate:`.")
        top = self.mapping(root, "")
        name = self.path.name[: -len(SUFFIX)] if self.path.name.endswith(SUFFIX) else self.path.stem
        policy = Policy(name=name, model=name, path=self.path, base=self.base)
        if "model" in top:
            policy.model = self.string(top["model"], "`model:`")
            if any(c in policy.model for c in "/@:"):
                self.fail(top["model"][1], f"`model:` {policy.model!r} is not a registered model name.")
        if "alias" in top:
            policy.alias = self.string(top["alias"], "`alias:`")
            if not re.match(r"^[A-Za-z0-9_-]{1,255}$", policy.alias) or re.match(r"^(latest|v\d+)$", policy.alias):
                self.fail(top["alias"][1], f"`alias:` {policy.alias!r} is not an alias MLflow accepts.")
        for section, read in (("triggers", self.triggers), ("retrain", self.retrain), ("gate", self.gate),
                              ("promotion", self.promotion)):
            if section in top:
                read(self.mapping(top[section][1], section), policy)
            elif section in ("retrain", "gate"):
                self.fail(root, f"the policy has no `{section}:` section.")
        if not (policy.drift or policy.schedule or policy.data):
            node = top["triggers"][1] if "triggers" in top else root
            self.fail(node, "no trigger: set `triggers:` `drift: true`, a `schedule:` or `data:` paths "
                            "(`jupyter-mlops retrain NAME` still runs it by hand).")
        return policy

    def triggers(self, section: dict, policy: Policy) -> None:
        if "drift" in section:
            policy.drift = self.flag(section["drift"], "`drift:`")
        if "schedule" in section:
            from croniter import croniter

            policy.schedule = self.string(section["schedule"], "`schedule:`")
            if not croniter.is_valid(policy.schedule):
                self.fail(section["schedule"][1], f"`schedule:` {policy.schedule!r} is not a cron expression "
                                                  "(five fields: minute hour day month weekday, e.g. \"0 3 * * *\").")
        if "data" in section:
            node = section["data"][1]
            items = node.value if isinstance(node, yaml.SequenceNode) else [node]
            for item in items:
                if not isinstance(item, yaml.ScalarNode):
                    self.fail(item, "`data:` lists files or folders (paths relative to the notebook's folder).")
                policy.data.append(self.file((None, item), "`data:`"))

    def retrain(self, section: dict, policy: Policy) -> None:
        if ("notebook" in section) == ("package" in section):
            self.fail(next(iter(section.values()))[0] if section else None,
                      "`retrain:` needs one of `notebook:` (exported and run) or `package:` (exported already).")
        if "notebook" in section:
            policy.notebook = self.file(section["notebook"], "`notebook:`")
            if policy.notebook.suffix != ".ipynb":
                self.fail(section["notebook"][1], f"`notebook:` {policy.notebook.name!r} is not a .ipynb file.")
        else:
            policy.package = self.file(section["package"], "`package:`")
            if not any(policy.package.glob("*/__main__.py")):
                self.fail(section["package"][1], f"`package:` {policy.package} holds no exported pipeline "
                                                 "(a folder made by `jupyter-mlops export`).")
        if "params" in section:
            params = self.value(section["params"][1])
            if not isinstance(params, dict) or any(not isinstance(k, str) for k in params):
                self.fail(section["params"][1], "`params:` must map parameter names to values.")
            policy.params = params
        if "model" in section:
            policy.model_value = self.identifier(section["model"], "`model:`")
        if "reference" in section:
            policy.reference_value = self.identifier(section["reference"], "`reference:`")
        if "timeout" in section:
            policy.timeout = self.number(section["timeout"], "`timeout:`", 1)

    def identifier(self, entry, what: str) -> str:
        text = self.string(entry, what)
        if not text.isidentifier():
            self.fail(entry[1], f"{what} must name a variable of the notebook, not {text!r}.")
        return text

    def gate(self, section: dict, policy: Policy) -> None:
        for key in ("holdout", "target"):
            if key not in section:
                self.fail(next(iter(section.values()))[0] if section else None, f"`gate:` needs `{key}:`.")
        policy.holdout = self.file(section["holdout"], "`holdout:`")
        if policy.holdout.suffix not in (".csv", ".parquet"):
            self.fail(section["holdout"][1], "`holdout:` must be a .csv or .parquet file.")
        policy.target = self.string(section["target"], "`target:`")
        if "metric" in section:
            policy.metric = self.string(section["metric"], "`metric:`")
            if policy.metric not in METRICS:
                self.fail(section["metric"][1], f"`metric:` {policy.metric!r} is not one of {', '.join(METRICS)}.")
        if "min_improvement" in section:
            policy.min_improvement = self.number(section["min_improvement"], "`min_improvement:`", 0, 10)
        if "require" in section:
            from ..models.gate import GateError, parse_gate

            policy.require = self.string(section["require"], "`require:`")
            try:
                gate = parse_gate(policy.require)
            except GateError as exc:
                self.fail(section["require"][1], str(exc))
            unknown = [n for s, n in gate.references() if s != "metrics" or n not in METRICS]
            if unknown:
                self.fail(section["require"][1], f"`require:` reads {unknown[0]!r}; the gate measures only "
                                                 f"metrics.{{{', '.join(METRICS)}}} on the holdout.")
        if "contract" in section:
            from ..contracts import check_name

            policy.contract = self.string(section["contract"], "`contract:`")
            try:
                check_name(policy.contract)
            except InvalidInput as exc:
                self.fail(section["contract"][1], exc.message)
            if not policy.data:  # triggers are read first
                self.fail(section["contract"][1], "`contract:` validates the retraining data: list it under "
                                                  "`triggers:` `data:` (csv or parquet files, or folders of them).")

    def promotion(self, section: dict, policy: Policy) -> None:
        if "rollover" in section:
            policy.rollover = self.flag(section["rollover"], "`rollover:`")
