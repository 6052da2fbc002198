"""Register a model object as an MLflow model version, with its lineage, all or nothing.

``register_model(obj, name, tracking_uri=..., run_id=..., aliases=[...], require=...)``
logs ``obj`` with its MLflow flavor as a LoggedModel of the producing run (signature and
input example inferred from an example of the data it was fitted on, requirements pinned
from this interpreter), creates a new version of registered model ``name`` and points the
aliases at it.  When anything fails, what was created is deleted again.

Version tags written (names.py): ``mlops.model.variable``, ``mlops.model.flavor``,
``mlops.model.source_run``, ``mlops.model.datasets`` (JSON list of
``{"name", "digest", "role"}``), ``mlops.cell.id``, ``mlops.notebook``, ``mlops.model.gate``.

:class:`Registration` (``to_dict()``)::

    {"name": "churn", "version": "3", "aliases": ["champion"], "model_uri": "models:/churn/3",
     "model_id": "m-...", "run_id": "..." | null, "flavor": "sklearn", "signature": "...",
     "gate": {"metrics.accuracy": 0.93}, "warnings": ["..."]}
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from . import names, store
from .flavors import NotAModel, detect_flavor, example_and_output, pinned_requirements, python_model_for
from .gate import GateError, check_gate, parse_gate

_ALIAS = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_RESERVED_ALIAS = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)


class RegistrationError(ValueError):
    """Bad input for a registration; nothing was registered."""


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
                   namespace: dict | None = None, await_seconds: float = 300) -> Registration:
    """Log ``obj`` and register it as a new version of ``name``; see the module docstring.

    Without ``input_example``, a few rows of the data the producing run read are taken
    from ``namespace`` (the kernel's variables).  ``experiment`` (a name) holds the
    LoggedModel when there is no producing run.
    ``tracking_uri`` defaults to the one jupyter-mlops resolves (config.resolve()).
    Raises :class:`RegistrationError` (bad input, failed gate) before anything is written.
    """
    if tracking_uri is None:
        from .config import resolve

        tracking_uri = resolve().tracking_uri
    name = (name or "").strip()
    if not name or "/" in name or "@" in name or ":" in name:
        raise RegistrationError(f"Model name {name!r} is not valid: give a non-empty name without '/', '@' or ':'.")
    aliases = list(dict.fromkeys(check_alias(a) for a in aliases))
    try:
        flavor = detect_flavor(obj)
        gate = parse_gate(require) if require else None
    except (NotAModel, GateError) as exc:
        raise RegistrationError(f"{variable + ': ' if variable and isinstance(exc, NotAModel) else ''}{exc}") from None
    client = store.client(tracking_uri)
    run = _get_run(client, run_id) if run_id else None
    if gate is not None and run is None:
        raise RegistrationError("--require needs a source run to check: this model has no tracked run; "
                                "fit it in a %%track cell or pass --run RUN_ID.")
    passed = {}
    if gate is not None:
        try:
            passed = check_gate(gate, run.data.metrics, run.data.params, run.data.tags)
        except GateError as exc:
            raise RegistrationError(str(exc)) from None

    warnings: list[str] = []
    if run is not None and run.info.status != "FINISHED":
        warnings.append(f"the source run {run.info.run_id} is {run.info.status}, not FINISHED.")
    if input_example is None and run is not None and namespace is not None:
        input_example = example_from_namespace(obj, run, namespace, flavor)
    signature, example = _signature(obj, flavor, input_example, warnings)
    experiment_id = run.info.experiment_id if run else store.experiment_id(client, experiment or names.DEFAULT_EXPERIMENT)
    version_tags = {**_lineage_tags(run, flavor.name, variable, require), **{k: str(v) for k, v in (tags or {}).items()}}
    artifact_name = re.sub(r"[^A-Za-z0-9_-]+", "_", variable or name)[:100] or "model"

    created_model = None
    logged_model = None
    version = None
    # MLflow's log_model and the SQL registry read the fluent tracking URI: use ours.
    with fluent_tracking_uri(tracking_uri):
        try:
            logged_model = client.create_logged_model(
                experiment_id=experiment_id, name=artifact_name, source_run_id=run_id,
                tags={names.MODEL_FLAVOR: flavor.name}, model_type=flavor.name)
            _log(client, obj, flavor, logged_model.model_id, run_id, artifact_name, signature, example)
            created_model = _ensure_registered_model(client, name)
            version = client.create_model_version(
                name, source=f"models:/{logged_model.model_id}", run_id=run_id, tags=version_tags,
                description=description, model_id=logged_model.model_id, await_creation_for=int(await_seconds))
            for alias in aliases:
                client.set_registered_model_alias(name, alias, version.version)
        except BaseException:
            _undo(client, name, created_model, version, logged_model)
            raise
    return Registration(name=name, version=str(version.version), aliases=aliases,
                        model_uri=f"models:/{name}/{version.version}", model_id=logged_model.model_id,
                        run_id=run_id, flavor=flavor.name, signature=str(signature) if signature else None,
                        gate=passed, warnings=warnings)


def example_from_namespace(model, run, namespace: dict, flavor=None, rows: int = 5):
    """A few rows of the data the producing run read (then wrote) that ``model`` predicts
    on: the run's ``mlops.data.inputs`` / ``outputs`` name the variables, ``namespace``
    holds them.  None when no candidate works."""
    candidates: list[str] = []
    for tag in (names.DATA_INPUTS, names.DATA_OUTPUTS):
        try:
            candidates += [r["name"] for r in json.loads(run.data.tags.get(tag) or "[]") if isinstance(r, dict)]
        except (ValueError, KeyError, TypeError):
            continue
    for name in dict.fromkeys(candidates):
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
    from .config import hide_credentials

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


@contextmanager
def fluent_tracking_uri(uri: str):
    """Point MLflow's global tracking URI at ``uri`` for a block, then put back both the
    global and ``$MLFLOW_TRACKING_URI`` exactly as they were (MLflow's own helper unsets
    the variable on the way out, which would unhook the kernel from its store)."""
    import os

    from mlflow.tracking._tracking_service import utils

    saved_global, saved_env = utils._tracking_uri, os.environ.get("MLFLOW_TRACKING_URI")
    utils.set_tracking_uri(uri)
    try:
        yield
    finally:
        utils.set_tracking_uri(saved_global) if saved_global else setattr(utils, "_tracking_uri", None)
        if saved_env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = saved_env


def _log(client, obj, flavor, model_id: str, run_id: str | None, artifact_name: str, signature, example):
    import importlib
    import warnings

    from mlflow.entities import LoggedModelOutput

    module = importlib.import_module(flavor.module)
    common = {"name": artifact_name, "model_id": model_id, "signature": signature, "input_example": example,
              "pip_requirements": pinned_requirements(flavor, obj)}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*type hints.*")  # our wrapper's predict() is generic
        if flavor.name == "pyfunc":
            module.log_model(python_model=python_model_for(obj), **common)
        else:
            module.log_model(obj, **common)
    if run_id:  # the run's "logged models" in the MLflow UI
        client.log_outputs(run_id, models=[LoggedModelOutput(model_id, step=0)])


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
