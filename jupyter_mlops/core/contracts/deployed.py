"""The contract a deployment checks its requests against (``%deploy --contract``).

``serving_contract(client, version, folder, spec)`` finds it, in this order:

1. ``--contract NAME`` (or ``MODE:NAME``): ``contracts/NAME.yaml`` beside the notebook;
2. a contract the version's source run checked with ``%%track --expect NAME:VAR``
   (tag ``mlops.expects``), preferring one whose data the run read;
3. a contract linked to the fingerprint of the data the source run read: a ``%contract``
   run whose dataset input has that digest, or a tracked run that checked that exact
   data with ``--expect`` (the cell that wrote it, say).

The file beside the notebook wins (people edit and review it); the copy the ``%contract``
run stored is used when the file is not here.  The contract is then cut to the model's
input columns (its signature), so the label the training frame held is not asked of a
request.  Modes: ``log`` (serve, record the violation; the default when a contract is
found), ``reject`` (a 400 listing the violations) and ``off``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import names, store
from ..errors import InvalidInput
from .files import check_name, load, parse
from .model import Contract

MODES = ("reject", "log", "off")
DEFAULT_MODE = "log"


@dataclass
class ServingContract:
    mode: str  # reject, log or off
    contract: Contract | None = None
    how: str = ""  # where it came from, for %deploy's output
    dropped: list[str] = field(default_factory=list)  # contract columns that are not model inputs

    @property
    def active(self) -> bool:
        return self.contract is not None and self.mode != "off"

    def describe(self) -> str:
        if self.contract is None:
            return f"requests are not validated ({self.how})"
        columns = ", ".join(rule.name for rule in self.contract.columns)
        what = {"reject": "requests that violate it get a 400 listing the violations",
                "log": "requests that violate it are served, and the violations logged and counted",
                "off": "requests are not validated (--contract off)"}[self.mode]
        dropped = f"; not model inputs, not checked: {', '.join(self.dropped)}" if self.dropped else ""
        return f"contract {self.contract.name!r} ({self.how}) on {columns}{dropped}: {what}"


def parse_spec(text: str | None) -> tuple[str | None, str | None]:
    """``--contract`` as (mode, name): ``reject``, ``log``, ``off``, ``NAME`` or ``MODE:NAME``."""
    if text is None or not text.strip():
        return None, None
    text = text.strip()
    mode, _, name = text.partition(":") if ":" in text else ((text, "", "") if text in MODES else ("", "", text))
    if (mode or ":" in text) and mode not in MODES:
        raise InvalidInput(f"--contract {text!r}: the mode before ':' must be one of {', '.join(MODES)}.")
    if name:
        check_name(name)
    if mode == "off" and name:
        raise InvalidInput(f"--contract {text!r}: off checks no contract; drop the name or choose reject/log.")
    return mode or None, name or None


def serving_contract(client, version, folder: Path | None, spec: str | None,
                     inputs: list[str] | None = None) -> ServingContract:
    """The contract the version's server enforces, cut to ``inputs`` (the model's input
    columns, when its signature names them).  InvalidInput for a bad ``spec`` or a named
    contract that does not exist or parse."""
    mode, name = parse_spec(spec)
    if mode == "off":
        return ServingContract("off", how="--contract off")
    if name:
        if folder is None:
            raise InvalidInput(f"--contract {name}: there is no contracts folder to read it from.")
        found: Contract | None = load(folder, name)
        how = f"contracts/{name}.yaml, --contract"
    else:
        found, how = _discover(client, version, folder)
    if found is None:
        if mode is not None:
            raise InvalidInput(f"--contract {mode}: {how}.")
        return ServingContract("off", how=how)
    contract, dropped = for_inputs(found, inputs)
    return ServingContract(mode or DEFAULT_MODE, contract, how, dropped)


def for_inputs(contract: Contract, inputs: list[str] | None) -> tuple[Contract, list[str]]:
    """The contract on the model's inputs only (unchanged when ``inputs`` is unknown or
    shares no column with it)."""
    if not inputs:
        return contract, []
    wanted = set(inputs)
    kept = [rule for rule in contract.columns if rule.name in wanted]
    if not kept:
        return contract, []
    dropped = [rule.name for rule in contract.columns if rule.name not in wanted]
    return replace(contract, columns=kept), dropped


def _discover(client, version, folder: Path | None) -> tuple[Contract | None, str]:
    run_id = (version.tags or {}).get(names.MODEL_SOURCE_RUN)
    if not run_id:
        return None, f"no contract found: v{version.version} has no source run"
    run = store.run_or_none(client, run_id)
    if run is None:
        return None, f"no contract found: its source run {run_id} is gone"
    read = _input_digests(run.data.tags)
    expected = _expects(run.data.tags)
    expected.sort(key=lambda item: item.get("digest") not in read)  # a check of data the run read first
    for item in expected:
        contract = _named(client, folder, item["name"], None)
        if contract is not None:
            return contract, f"checked by the source run with --expect {item['name']}:{item.get('variable')}"
    if read:
        experiments = [e.experiment_id for e in store.all_experiments(client)]
        for linked in store.iter_runs(client, experiments, store.one_of("datasets.digest", sorted(read)),
                                      store.equals(store.tag(names.KIND), names.KIND_CONTRACT), limit=20,
                                      order_by=["attributes.start_time DESC"]):
            name = linked.data.tags.get(names.CONTRACT_NAME)
            contract = _named(client, folder, name, linked) if name else None
            if contract is not None:
                return contract, "linked by %contract to the training data's fingerprint"
        for digest in sorted(read):
            for checked in store.iter_runs(client, experiments, store.contains(store.tag(names.EXPECTS), digest),
                                           limit=20, order_by=["attributes.start_time DESC"]):
                for item in _expects(checked.data.tags):
                    contract = _named(client, folder, item["name"], None) if item.get("digest") == digest else None
                    if contract is not None:
                        return contract, f"the training data was checked with --expect {item['name']}"
    return None, (f"no contract found for v{version.version}'s training data; --contract NAME names one, "
                  "%contract VAR --name NAME infers one")


def _input_digests(tags: dict) -> set[str]:
    try:
        listed = json.loads(tags.get(names.DATA_INPUTS) or "[]")
    except ValueError:
        return set()
    return {r["digest"] for r in listed if isinstance(r, dict) and isinstance(r.get("digest"), str)} \
        if isinstance(listed, list) else set()


def _expects(tags: dict) -> list[dict]:
    try:
        listed = json.loads(tags.get(names.EXPECTS) or "[]")
    except ValueError:
        return []
    return [item for item in listed if isinstance(item, dict) and isinstance(item.get("name"), str)] \
        if isinstance(listed, list) else []


def _named(client, folder: Path | None, name: str, linked_run) -> Contract | None:
    """``contracts/NAME.yaml`` beside the notebook, else the copy a ``%contract`` run stored."""
    if folder is not None:
        try:
            return load(folder, name)
        except LookupError:
            pass
    if linked_run is None:
        return None
    from ..errors import MLOpsError
    from ..store import artifacts

    path = f"{names.ARTIFACT_CONTRACTS}/{name}.yaml"
    try:
        read = artifacts.read(client, linked_run, path)
    except Exception as exc:  # gone or unreadable: as if there were no copy
        if isinstance(exc, (MLOpsError, OSError)) or store.is_mlflow_error(exc):
            return None
        raise
    if "content" not in read or read.get("truncated"):
        return None
    return parse(read["content"], f"{path} of run {linked_run.info.run_id}")
