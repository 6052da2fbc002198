"""The reference profile of a model version: built at ``%register``, stored as an artifact.

The profile (profile.py) is written to the version's LoggedModel artifacts as
``mlops/reference_profile.json``; tag ``mlops.monitor.profile`` on the version names that
path, so finding out whether a version has one costs no download.

Its data is what the producing run read: the run's ``mlops.data.inputs`` (then
``outputs``) name the kernel variables; the first the model predicts on is profiled,
with the model's predictions on it.  ``reference=`` (``%register --reference VAR``) gives
the data directly, for a version with no data in its lineage.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from .. import names, store
from ..errors import NotFound
from .profile import build_profile, check_profile

PROFILE_DIR = "mlops"
PROFILE_FILE = "reference_profile.json"
PROFILE_PATH = f"{PROFILE_DIR}/{PROFILE_FILE}"
MAX_ROWS = 200_000  # a bigger training set is sampled (seeded) before profiling


class NoReferenceProfile(NotFound):
    """The version was registered without a reference profile."""

    default_code = "no_reference_profile"


def training_data(run, namespace: dict | None, predict) -> tuple[object, str] | None:
    """(data, variable name) of the first variable the producing ``run`` read (then wrote)
    that ``predict`` accepts; None when there is none."""
    if run is None or not namespace:
        return None
    for name in dict.fromkeys(r["name"] for r in store.data_records(run)):
        data = namespace.get(name)
        if data is None or getattr(data, "ndim", 0) != 2:
            continue
        try:
            predict(data[:5] if not hasattr(data, "head") else data.head(5))
        except Exception:  # noqa: BLE001, S112 - not this model's input (labels, another table): try the next
            continue
        return data, name
    return None


def profile_for(data, predict, source: dict) -> dict:
    """The profile of ``data`` and of ``predict(data)``; ValueError when it is not tabular."""
    import pandas as pd

    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    if len(frame) > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=0)
        source = {**source, "sampled_rows": MAX_ROWS}
    try:
        predictions = predict(frame if isinstance(data, pd.DataFrame) else frame.to_numpy())
    except Exception:  # noqa: BLE001 - profile the inputs anyway; drift of predictions is then unknown
        predictions = None
    return build_profile(frame, predictions, source)


def save_profile(client, name: str, version: str, model_id: str, profile: dict) -> str:
    """Store ``profile`` with the version's model files and tag the version; returns the path."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / PROFILE_FILE
        path.write_text(json.dumps(profile))
        client.log_model_artifact(model_id, str(path), PROFILE_DIR)
    client.set_model_version_tag(name, version, names.MONITOR_PROFILE, PROFILE_PATH)
    return PROFILE_PATH


def model_id_of(version) -> str | None:
    """The LoggedModel behind a model version: its ``model_id``, else the id in its
    ``models:/<id>`` source (the SQL registry does not return the field)."""
    found = getattr(version, "model_id", None)
    source = getattr(version, "source", "") or ""
    if not found and source.startswith("models:/") and "/" not in source[len("models:/"):]:
        found = source[len("models:/"):]
    return found or None


def has_profile(version) -> bool:
    return bool(version.tags.get(names.MONITOR_PROFILE))


def load_profile(client, version) -> dict:
    """The version's profile; NoReferenceProfile when it has none."""
    model_id = model_id_of(version)
    if not has_profile(version) or not model_id:
        raise NoReferenceProfile(
            f"{version.name} v{version.version} has no reference profile: its run read no data this kernel "
            f"could profile. Register it again with `%register MODEL --name {version.name} --reference VAR`, "
            "VAR holding the training rows.")
    from mlflow.artifacts import download_artifacts

    logged = client.get_logged_model(model_id)
    with tempfile.TemporaryDirectory() as folder:
        local = download_artifacts(artifact_uri=f"{logged.artifact_location.rstrip('/')}/{PROFILE_PATH}",
                                   dst_path=folder, tracking_uri=client.tracking_uri)
        return check_profile(json.loads(Path(local).read_text()))


def version_profile(tracking_uri: str, name: str, version: str) -> dict:
    client = store.client(tracking_uri)
    found = store.model_version_or_none(client, name, version)
    if found is None:
        raise NotFound(f"Model {name!r} has no version {version}.")
    return load_profile(client, found)


def attach_reference(client, name: str, version: str, model_id: str, predict, run=None, namespace: dict | None = None,
                     reference=None, reference_name: str | None = None) -> str | None:
    """Profile the version's training data (``reference``, else what its run read from
    ``namespace``) and store it; returns a note for the user when there is no profile."""
    if reference is not None:
        data, variable = reference, reference_name
    else:
        found = training_data(run, namespace, predict)
        if found is None:
            return ("no reference profile: the source run read no data this kernel still holds, so drift cannot be "
                    "checked; pass --reference VAR (reference=) with the training rows.")
        data, variable = found
    source = {"run_id": run.info.run_id if run is not None else None, "variable": variable}
    if run is not None:
        source.update({k: run.data.tags[t] for k, t in (("cell_id", names.CELL_ID), ("notebook", names.NOTEBOOK))
                       if run.data.tags.get(t)})
        source["datasets"] = [{"name": d.dataset.name, "digest": d.dataset.digest}
                              for d in (run.inputs.dataset_inputs if run.inputs else [])
                              if d.dataset.name == variable]
    try:
        profile = profile_for(data, predict, source)
        save_profile(client, name, version, model_id, profile)
    except (ValueError, TypeError, OSError) as exc:
        return f"no reference profile ({type(exc).__name__}: {str(exc)[:200]}); drift cannot be checked."
    return None
