"""Values between steps as files: parquet for DataFrames, npy for arrays, joblib (or
cloudpickle when joblib's pickler cannot) for the rest, each with its fingerprint.

DataFrames, Series and arrays carry the full-content fingerprint of
:mod:`jupyter_mlops.core.tracking.fingerprint` (the same digest ``%%track`` records, so lineage
joins the notebook's runs); other objects are identified by a digest of their
serialized bytes.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

from jupyter_mlops.core.tracking.fingerprint import describe, fingerprint

FORMATS = {"parquet": ".parquet", "npy": ".npy", "joblib": ".joblib", "cloudpickle": ".pkl", "bundle": ".pkl"}


class NotPassable(TypeError):
    """A value a step returns cannot be written to a file for the next step."""


def _file_digest(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_frame(obj: Any) -> bool:
    return type(obj).__module__.startswith("pandas") and type(obj).__name__ == "DataFrame"


def save(obj: Any, folder: Path, name: str) -> dict:
    """Write ``obj`` under ``folder``; returns {name, file, format, digest, kind, shape}."""
    folder.mkdir(parents=True, exist_ok=True)
    print_ = fingerprint(obj)
    if _is_frame(obj) and _parquet_safe(obj):
        fmt = "parquet"
        path = folder / f"{name}.parquet"
        obj.to_parquet(path)
    elif type(obj).__module__ == "numpy" and type(obj).__name__ == "ndarray" and obj.dtype.kind != "O":
        import numpy as np

        fmt = "npy"
        path = folder / f"{name}.npy"
        np.save(path, obj, allow_pickle=False)
    else:
        fmt, path = _pickle(obj, folder, name)
    info = _describe(obj)
    return {
        "name": name,
        "file": path.name,
        "format": fmt,
        "digest": print_.digest if print_ else _file_digest(path),
        "kind": print_.kind if print_ else info["kind"],
        "shape": list(print_.shape) if print_ else info["shape"],
    }


def _describe(obj: Any) -> dict:
    # describe() calls len(), which some objects raise anything from (an unfitted
    # sklearn ensemble raises AttributeError): the kind alone is enough then.
    try:
        return describe(obj)
    except Exception:  # noqa: BLE001 - any failure of the object's own __len__
        return {"kind": f"{type(obj).__module__}.{type(obj).__qualname__}", "shape": None}


def _parquet_safe(frame) -> bool:
    # Parquet needs string column names and columns arrow can type; else pickle the frame.
    if not all(isinstance(c, str) for c in frame.columns):
        return False
    try:
        import pyarrow as pa

        pa.Table.from_pandas(frame.head(50))
    except Exception:  # noqa: BLE001 - any arrow conversion failure means "use pickle"
        return False
    return True


def _pickle(obj: Any, folder: Path, name: str) -> tuple[str, Path]:
    """joblib (compact for models holding arrays); cloudpickle for what joblib's pickler
    refuses (lambdas, local classes) or when joblib is not installed."""
    first: Exception | None = None
    try:
        import joblib
    except ImportError as exc:
        first = exc
    else:
        path = folder / f"{name}.joblib"
        try:
            joblib.dump(obj, path)
            return "joblib", path
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            first = exc
            path.unlink(missing_ok=True)
    import cloudpickle

    path = folder / f"{name}.pkl"
    try:
        with open(path, "wb") as handle:
            cloudpickle.dump(obj, handle)
        return "cloudpickle", path
    except Exception as exc:
        path.unlink(missing_ok=True)
        raise NotPassable(
            f"'{name}' ({type(obj).__module__}.{type(obj).__qualname__}) cannot be passed to "
            f"the next step: {first or exc}. Recreate it in the step that uses it instead."
        ) from exc


def identity_groups(values: dict[str, Any]) -> list[list[str]]:
    """Names whose values share objects (``combine = [train, test]`` beside ``train`` and
    ``test``, or two names for one object): each group must be written in one file, or the
    next step gets copies that no longer change together."""
    parent = {name: name for name in values}

    def find(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    owner: dict[int, str] = {}
    for name, value in values.items():
        if id(value) in owner:
            parent[find(name)] = find(owner[id(value)])
        owner.setdefault(id(value), name)
    for name, value in values.items():
        members = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
        for member in members:
            other = owner.get(id(member))
            if other is not None:
                parent[find(name)] = find(other)
    groups: dict[str, list[str]] = {}
    for name in values:
        groups.setdefault(find(name), []).append(name)
    return [g for g in groups.values() if len(g) > 1]


def save_all(values: dict[str, Any], folder: Path) -> dict[str, dict]:
    """Records of every value; values that share objects go together in one bundle file."""
    records: dict[str, dict] = {}
    for group in identity_groups(values):
        import cloudpickle

        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bundle.{group[0]}.pkl"
        with open(path, "wb") as handle:
            cloudpickle.dump({name: values[name] for name in group}, handle)
        bundle = _file_digest(path)
        for name in group:
            print_ = fingerprint(values[name])
            info = _describe(values[name])
            records[name] = {"name": name, "file": path.name, "format": "bundle", "key": name,
                             "digest": print_.digest if print_ else f"{bundle}:{name}",
                             "kind": print_.kind if print_ else info["kind"],
                             "shape": list(print_.shape) if print_ else info["shape"]}
    for name, value in values.items():
        if name not in records:
            records[name] = save(value, folder, name)
    return records


def load(path: Path, fmt: str) -> Any:
    if fmt == "parquet":
        import pandas as pd

        return pd.read_parquet(path)
    if fmt == "npy":
        import numpy as np

        return np.load(path, allow_pickle=False)
    if fmt == "joblib":
        import joblib

        return joblib.load(path)
    if fmt in ("cloudpickle", "bundle"):  # a bundle: {name: value}, picked by the caller
        import cloudpickle

        with open(path, "rb") as handle:
            return cloudpickle.load(handle)
    raise ValueError(f"unknown artifact format {fmt!r}")
