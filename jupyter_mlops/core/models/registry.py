"""Register a model object as an MLflow model version, with its lineage, all or nothing.

``register_model(obj, name, tracking_uri=..., run_id=..., aliases=[...], require=...)``
logs ``obj`` with its MLflow flavor as a LoggedModel of the producing run (signature and
input example inferred from an example of the data it was fitted on, requirements pinned
from this interpreter), creates a new version of registered model ``name`` and points the
aliases at it.  When anything fails, what was created is deleted again (the LoggedModel
included) and the error is a short :class:`RegistrationError` saying what failed and what
to do.  scikit-learn models are stored with skops where they can be (flavors.py says what
is trusted and when cloudpickle is used instead).

Version tags written (names.py): ``mlops.model.variable``, ``mlops.model.flavor``,
``mlops.model.source_run``, ``mlops.model.datasets`` (JSON list of
``{"name", "digest", "role"}``), ``mlops.cell.id``, ``mlops.notebook``, ``mlops.model.gate``.

:class:`Registration` (``to_dict()``)::

    {"name": "churn", "version": "3", "aliases": ["champion"], "model_uri": "models:/churn/3",
     "model_id": "m-...", "run_id": "..." | null, "flavor": "sklearn", "signature": "...",
     "gate": {"metrics.accuracy": 0.93}, "warnings": ["..."],
     "serialization": "skops (trusting sklearn.tree._tree.Tree)" | "cloudpickle (...)" | null}
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from .. import names, store
from ..errors import InvalidInput
from ..store import compat
from .flavors import (
    SKOPS,
    NotAModel,
    choose_serialization,
    detect_flavor,
    example_and_output,
    pinned_requirements,
    python_model_for,
)
from .gate import GateError, check_gate, parse_gate

_ALIAS = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_RESERVED_ALIAS = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)


class RegistrationError(InvalidInput):
    """Bad input for a registration, or a model that could not be stored; nothing was registered."""


@dataclass
class Registration:
    name: str
    version: str
    aliases: list[str]
    model_uri: str
    model_id: str
    run_id: str | None
    flavor: str
    signature: str | None
    gate: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    serialization: str | None = None  # scikit-learn models: "skops ..." or "cloudpickle (why)"

    def to_dict(self) -> dict:
        return asdict(self)


def check_alias(alias: str) -> str:
    if not _ALIAS.match(alias or "") or _RESERVED_ALIAS.match(alias):
        raise RegistrationError(f"Alias {alias!r} is not allowed: use letters, digits, '_' and '-', "
                                "and not 'latest' or 'v<number>' (MLflow reserves those).")
    return alias


def register_model(obj, name: str, *, tracking_uri: str | None = None, run_id: str | None = None, aliases=(),
                   require: str | None = None, description: str | None = None, tags: dict | None = None,
                   input_example=None, variable: str | None = None, experiment: str | None = None,
                   namespace: dict | None = None, await_seconds: float = 300,
                   serialization: str | None = None, contract_dir=None, reference=None,
                   reference_name: str | None = None) -> Registration:
    """Log ``obj`` and register it as a new version of ``name``; see the module docstring.

    Without ``input_example``, a few rows of the data the producing run read are taken
    from ``namespace`` (the kernel's variables).  ``experiment`` (a name) holds the
    LoggedModel when there is no producing run.
    ``tracking_uri`` defaults to the one jupyter-mlops resolves (config.resolve()).
    ``serialization`` ("skops" or "cloudpickle", scikit-learn models only) overrides the
    choice made by ``flavors.choose_serialization``.
    ``contract_dir`` is the folder whose ``contracts/`` holds the contracts that
    ``require`` names as ``contract:NAME`` (core/contracts/training.py says what is checked).
    The version gets a reference profile for drift checks (core/monitoring/reference.py)
    of ``reference`` (rows) or of the data the producing run read.
    Raises :class:`RegistrationError` (bad input, failed gate) before anything is written,
    and also when storing the model fails, after deleting what was written.
    """
    if tracking_uri is None:
        from ..config import resolve

        tracking_uri = resolve().tracking_uri
    name = (name or "").strip()
    if not name or "/" in name or "@" in name or ":" in name:
        raise RegistrationError(f"Model name {name!r} is not valid: give a non-empty name without '/', '@' or ':'.")
    aliases = list(dict.fromkeys(check_alias(a) for a in aliases))
    try:
        flavor = detect_flavor(obj)
        gate = parse_gate(require) if require else None
        stored_as = choose_serialization(flavor, obj, serialization)
    except (NotAModel, GateError) as exc:
        raise RegistrationError(f"{variable + ': ' if variable and isinstance(exc, NotAModel) else ''}{exc}") from None
    client = store.client(tracking_uri)
    run = _get_run(client, run_id) if run_id else None
    if gate is not None and run is None:
        raise RegistrationError("--require needs a source run to check: this model has no tracked run; "
                                "fit it in a %%track cell or pass --run RUN_ID.")
    passed = {}
    warnings: list[str] = []
    if gate is not None and run is not None:
        reports = _contract_reports(gate, run, contract_dir, namespace, warnings)
        try:
            passed = check_gate(gate, run.data.metrics, run.data.params, run.data.tags,
                                contracts={name: report.ok for name, report in reports.items()})
        except GateError as exc:
            failed = "".join(f"\n{r.summary(limit=8)}" for r in reports.values() if not r.ok)
            raise RegistrationError(f"{exc}{failed}") from None

    if run is not None and run.info.status != "FINISHED":
        warnings.append(f"the source run {run.info.run_id} is {run.info.status}, not FINISHED.")
    if input_example is None and run is not None and namespace is not None:
        input_example = example_from_namespace(obj, run, namespace, flavor)
    signature, example = _signature(obj, flavor, input_example, warnings)
    if run:
        experiment_id = run.info.experiment_id
    else:
        experiment_id = store.experiment_id(client, experiment or names.DEFAULT_EXPERIMENT)
    version_tags = {**_lineage_tags(run, flavor.name, variable, require),
                    **{k: str(v) for k, v in (tags or {}).items()}}
    artifact_name = re.sub(r"[^A-Za-z0-9_-]+", "_", variable or name)[:100] or "model"

    created_model = None
    logged_model = None
    version = None
    storing = False
    # MLflow's log_model and the SQL registry read the fluent tracking URI: use ours.
    with compat.fluent_tracking_uri(tracking_uri):
        try:
            logged_model = client.create_logged_model(
                experiment_id=experiment_id, name=artifact_name, source_run_id=run_id,
                tags={names.MODEL_FLAVOR: flavor.name}, model_type=flavor.name)
            storing = True
            _log(client, obj, flavor, logged_model.model_id, run_id, artifact_name, signature, example, stored_as)
            storing = False
            created_model = _ensure_registered_model(client, name)
            version = client.create_model_version(
                name, source=f"models:/{logged_model.model_id}", run_id=run_id, tags=version_tags,
                description=description, model_id=logged_model.model_id, await_creation_for=int(await_seconds))
            for alias in aliases:
                client.set_registered_model_alias(name, alias, version.version)
        except Exception as exc:
            _undo(client, name, created_model, version, logged_model)
            if storing:  # the model itself could not be stored: say so in a few lines
                raise RegistrationError(_storing_failed(obj, variable, flavor, exc, stored_as)) from exc
            raise  # the store failed (MlflowException): the caller sees MLflow's own error
        except BaseException:  # an interrupt: undo, and let it through as it is
            _undo(client, name, created_model, version, logged_model)
            raise
    from ..monitoring.reference import attach_reference

    note = attach_reference(client, name, str(version.version), logged_model.model_id,
                            lambda rows: example_and_output(flavor, obj, rows)[1], run, namespace, reference,
                            reference_name)
    if note:
        warnings.append(note)
    if stored_as is not None and stored_as.format != SKOPS:
        warnings.append(f"stored with {stored_as.describe()}; loading it runs code from the artifact, "
                        "as any pickle: load it only from a store you trust.")
    return Registration(name=name, version=str(version.version), aliases=aliases,
                        model_uri=f"models:/{name}/{version.version}", model_id=logged_model.model_id,
                        run_id=run_id, flavor=flavor.name, signature=str(signature) if signature else None,
                        gate=passed, warnings=warnings,
                        serialization=stored_as.describe() if stored_as else None)


def _contract_reports(gate, run, contract_dir, namespace, warnings: list[str]) -> dict:
    """Validate the run's training data against each ``contract:NAME`` of the gate."""
    wanted = gate.contracts()
    if not wanted:
        return {}
    from .. import contracts

    if contract_dir is None:
        raise RegistrationError(f"--require contract:{wanted[0]} needs the folder of the contracts (contract_dir=).")
    try:
        loaded = {name: contracts.load(contract_dir, name) for name in wanted}
        reports, notes = contracts.training_reports(loaded, run, namespace)
    except (InvalidInput, LookupError) as exc:
        raise RegistrationError(str(exc)) from None
    warnings.extend(notes)
    return reports


def _storing_failed(obj, variable: str | None, flavor, exc: BaseException, stored_as) -> str:
    """What failed and what to do, in a few lines (the cause stays chained for a debugger)."""
    what = f"{variable} ({type(obj).__name__})" if variable else f"this {type(obj).__name__}"
    how = f"the {flavor.name} flavor" + (f" ({stored_as.format})" if stored_as else "")
    if stored_as is not None and stored_as.format == SKOPS and "skops" in str(exc):
        hint = "Pass --serialization cloudpickle (serialization='cloudpickle') to store it with cloudpickle."
    else:
        hint = "Check that the store's artifact location is writable and has room (`%mlops status` shows the store)."
    return (f"Registering {what} failed while storing it with {how}: {short_error(exc)}\n"
            f"Nothing was registered and the logged model was deleted. {hint}")


def short_error(exc: BaseException, limit: int = 300) -> str:
    """``Type: message`` on one line, at most ``limit`` characters of message."""
    from mlflow.exceptions import MlflowException

    detail = " ".join((exc.message if isinstance(exc, MlflowException) else str(exc)).split())
    if len(detail) > limit:
        detail = detail[: limit - 3] + "..."
    return f"{type(exc).__name__}: {detail}"


def example_from_namespace(model, run, namespace: dict, flavor=None, rows: int = 5):
    """A few rows of the data the producing run read (then wrote) that ``model`` predicts
    on: the run's ``mlops.data.inputs`` / ``outputs`` name the variables, ``namespace``
    holds them.  None when no candidate works."""
    for name in dict.fromkeys(r["name"] for r in store.data_records(run)):
        data = namespace.get(name)
        head = _head(data, rows)
        if head is None:
            continue
        try:
            example_and_output(flavor or detect_flavor(model), model, head)
        except Exception:  # noqa: BLE001, S112 - not this model's input (labels, another table): try the next
            continue
        return head
    return None


def _head(data, rows: int):
    if data is None or getattr(data, "ndim", 0) not in (1, 2):
        return None
    if getattr(data, "ndim", 0) == 1 and not hasattr(data, "to_frame"):
        return None
    head = data.head(rows) if hasattr(data, "head") else data[:rows]
    if hasattr(head, "to_frame") and getattr(head, "ndim", 0) == 1:
        head = head.to_frame()
    return head


def _get_run(client, run_id: str):
    from mlflow.exceptions import MlflowException

    try:
        return client.get_run(run_id)
    except MlflowException as exc:
        raise RegistrationError(f"No run {run_id!r} in {store_display(client)} ({exc.error_code}); "
                                "pass the id of the tracked run that produced the model.") from None


def store_display(client) -> str:
    from ..config import hide_credentials

    return hide_credentials(client.tracking_uri)


def _signature(obj, flavor, example, warnings: list[str]):
    """Infer the signature from a few rows the model can predict on."""
    if example is None:
        warnings.append("no input example: the model is registered without a signature "
                        "(pass input_example= / --example VAR, or fit it in a %%track cell that reads its data).")
        return None, None
    from mlflow.models import infer_signature

    try:
        example, output = example_and_output(flavor, obj, example)
        return infer_signature(example, output), example
    except Exception as exc:  # noqa: BLE001 - the model rejected the example: register without it
        warnings.append(f"the input example could not be predicted on ({type(exc).__name__}: {exc}); "
                        "registered without a signature.")
        return None, None


def _lineage_tags(run, flavor: str, variable: str | None, require: str | None) -> dict[str, str]:
    tags = {names.MODEL_FLAVOR: flavor}
    if variable:
        tags[names.MODEL_VARIABLE] = variable
    if require:
        tags[names.MODEL_GATE] = require[: names.MAX_TAG_VALUE]
    if run is None:
        return tags
    run_tags = run.data.tags
    tags[names.MODEL_SOURCE_RUN] = run.info.run_id
    for key in (names.CELL_ID, names.NOTEBOOK, names.CELL_HASH, names.GIT_COMMIT):
        if run_tags.get(key):
            tags[key] = run_tags[key]
    datasets = []
    for dataset_input in run.inputs.dataset_inputs if run.inputs else []:
        role = next((t.value for t in dataset_input.tags if t.key == names.DATASET_ROLE), "input")
        datasets.append({"name": dataset_input.dataset.name, "digest": dataset_input.dataset.digest, "role": role})
    if datasets:
        tags[names.MODEL_DATASETS] = json.dumps(datasets)[: names.MAX_TAG_VALUE]
    return tags


def _ensure_registered_model(client, name: str):
    """Create the registered model if needed; returns it when this call created it."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
        return None
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
    return client.create_registered_model(name)


def _log(client, obj, flavor, model_id: str, run_id: str | None, artifact_name: str, signature, example,
         stored_as=None):
    import importlib
    import warnings

    from mlflow.entities import LoggedModelOutput

    module = importlib.import_module(flavor.module)
    extra = (SKOPS,) if stored_as is not None and stored_as.format == SKOPS else ()
    common = {"name": artifact_name, "model_id": model_id, "signature": signature, "input_example": example,
              "pip_requirements": pinned_requirements(flavor, obj, extra)}
    with warnings.catch_warnings(), _without_pickle_caution():
        warnings.filterwarnings("ignore", message=".*type hints.*")  # our wrapper's predict() is generic
        if flavor.name == "pyfunc":
            module.log_model(python_model=python_model_for(obj), **common)
        elif stored_as is not None:
            module.log_model(obj, **common, **stored_as.log_kwargs())
        else:
            module.log_model(obj, **common)
    if run_id:  # the run's "logged models" in the MLflow UI
        client.log_outputs(run_id, models=[LoggedModelOutput(model_id, step=0)])


@contextmanager
def _without_pickle_caution():
    """Drop MLflow's log line about pickle formats while logging: the registration's own
    note says it once, with the reason."""
    import logging

    class DropCaution(logging.Filter):
        def filter(self, record) -> bool:
            return not str(record.msg).startswith("Saving scikit-learn models in the pickle")

    caution = DropCaution()
    logging.getLogger("mlflow.sklearn").addFilter(caution)
    try:
        yield
    finally:
        logging.getLogger("mlflow.sklearn").removeFilter(caution)


def _undo(client, name: str, created_model, version, logged_model) -> None:
    """Delete what a failed registration created, newest first."""
    if version is not None and created_model is None:
        _quietly(client.delete_model_version, name, version.version)
    if created_model is not None:
        _quietly(client.delete_registered_model, name)
    if logged_model is not None:
        _quietly(client.delete_logged_model, logged_model.model_id)


def _quietly(call, *args) -> None:
    """Cleanup after a failure: log what could not be undone, never hide the failure itself."""
    try:
        call(*args)
    except Exception as exc:  # noqa: BLE001
        import logging

        logging.getLogger(__name__).warning("jupyter-mlops: could not undo %s%s: %s", call.__name__, args, exc)


__all__ = ["Registration", "RegistrationError", "check_alias", "register_model"]
