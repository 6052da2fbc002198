"""Which MLflow flavor logs a Python object, how a scikit-learn model is serialized, and
the pip requirements pinned from the running interpreter (no requirement inference
subprocess: the versions in memory are the ones the model was trained with).

Serialization of scikit-learn models (:func:`choose_serialization`): skops, which loads
only the types it is told to trust.  skops distrusts a few of scikit-learn's own types by
default (``sklearn.tree._tree.Tree`` in every tree ensemble, HistGradientBoosting's
``TreePredictor``, the neighbors' ``KDTree``/``BallTree`` and distance metrics): a crafted
file can give them out-of-range node indices.  The model was written by this kernel from
the object in its memory, so exactly the types skops reports for it are trusted, and only
when each comes from scikit-learn, numpy or scipy.  A model holding anything else (a
lambda, a class of the notebook, another library's estimator inside a Pipeline) is stored
with cloudpickle, as MLflow stores other Python models, and the registration says so.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata


class NotAModel(ValueError):
    """The object cannot be logged as a model."""


@dataclass(frozen=True)
class Flavor:
    name: str  # "sklearn", "xgboost", "lightgbm", "pytorch" or "pyfunc"
    module: str  # the mlflow module whose log_model logs it
    packages: tuple[str, ...]  # distributions to pin besides mlflow's own needs


_BASE_PACKAGES = ("mlflow", "cloudpickle", "numpy", "pandas")
_SKLEARN = Flavor("sklearn", "mlflow.sklearn", ("scikit-learn", "scipy"))
_XGBOOST = Flavor("xgboost", "mlflow.xgboost", ("xgboost", "scikit-learn"))
_LIGHTGBM = Flavor("lightgbm", "mlflow.lightgbm", ("lightgbm", "scikit-learn"))
_PYTORCH = Flavor("pytorch", "mlflow.pytorch", ("torch",))
_PYFUNC = Flavor("pyfunc", "mlflow.pyfunc", ())

SKOPS = "skops"
CLOUDPICKLE = "cloudpickle"
SERIALIZATIONS = (SKOPS, CLOUDPICKLE)
# Libraries whose own types may be trusted in a skops file this kernel wrote.
_TRUSTED_LIBRARIES = ("sklearn", "numpy", "scipy")


def detect_flavor(obj) -> Flavor:
    """The flavor for ``obj``; raises :class:`NotAModel` for objects that cannot predict.

    Libraries are only consulted when the kernel already imported them: a model of a
    library cannot exist without it.
    """
    module = type(obj).__module__ or ""
    if module.startswith("xgboost") and "xgboost" in sys.modules:
        return _XGBOOST
    if module.startswith("lightgbm") and "lightgbm" in sys.modules:
        return _LIGHTGBM
    if "torch" in sys.modules and isinstance(obj, sys.modules["torch"].nn.Module):
        return _PYTORCH
    if "sklearn" in sys.modules:
        from sklearn.base import BaseEstimator

        if isinstance(obj, BaseEstimator):
            if not callable(getattr(obj, "predict", None)) and not callable(getattr(obj, "transform", None)):
                raise NotAModel(f"{type(obj).__name__} is a scikit-learn estimator without predict() or transform().")
            _require_fitted(obj)
            return _SKLEARN
    if callable(getattr(obj, "predict", None)) and not isinstance(obj, type):
        _require_picklable(obj)
        return _PYFUNC
    raise NotAModel(f"a {type(obj).__module__}.{type(obj).__qualname__} is not a model: it has no predict() method. "
                    "Register a fitted estimator (scikit-learn, xgboost, lightgbm, PyTorch) or any object with "
                    "predict(inputs).")


def _require_fitted(estimator) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise NotAModel(
            f"this {type(estimator).__name__} is not fitted yet; call fit() before registering it."
        ) from None
    except TypeError:  # not an estimator sklearn can check: let it through
        pass


def _require_picklable(obj) -> None:
    import cloudpickle

    try:
        cloudpickle.dumps(obj)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means the same to the user
        raise NotAModel(f"this {type(obj).__name__} has predict() but cannot be pickled ({type(exc).__name__}: "
                        f"{exc}), so MLflow cannot store it.") from None


@dataclass(frozen=True)
class Serialization:
    """How a scikit-learn model is written: ``skops`` trusting exactly ``trusted``, or
    ``cloudpickle`` (``reason`` says why not skops)."""

    format: str
    trusted: tuple[str, ...] = ()
    reason: str = ""

    def log_kwargs(self) -> dict:
        """The arguments of ``mlflow.sklearn.log_model`` that choose this format."""
        if self.format == SKOPS:
            return {"serialization_format": SKOPS, "skops_trusted_types": list(self.trusted) or None}
        return {"serialization_format": CLOUDPICKLE}

    def describe(self) -> str:
        if self.format == SKOPS:
            return "skops" + (f" (trusting {', '.join(self.trusted)})" if self.trusted else "")
        return f"cloudpickle ({self.reason})" if self.reason else "cloudpickle"


def choose_serialization(flavor: Flavor, obj, requested: str | None = None) -> Serialization | None:
    """The serialization of a scikit-learn model (None for other flavors, which use their
    library's own format); see the module docstring.  ``requested`` "skops" refuses the
    cloudpickle fallback, "cloudpickle" skips skops.  Raises :class:`NotAModel` when the
    requested format cannot store ``obj``."""
    if requested is not None and requested not in SERIALIZATIONS:
        raise NotAModel(f"serialization {requested!r} is not known: use {' or '.join(SERIALIZATIONS)}.")
    if flavor is not _SKLEARN:
        if requested is not None:
            raise NotAModel(f"--serialization applies to scikit-learn models; this {flavor.name} model is "
                            f"stored in {flavor.name}'s own format.")
        return None
    if requested == CLOUDPICKLE:
        _require_picklable(obj)
        return Serialization(CLOUDPICKLE, reason="requested")
    trusted, reason = _skops_types(obj)
    if trusted is not None:
        return Serialization(SKOPS, trusted=trusted)
    if requested == SKOPS:
        raise NotAModel(f"this {type(obj).__name__} cannot be stored with skops: {reason}. Leave out "
                        "--serialization to store it with cloudpickle, or replace what skops cannot store.")
    _require_picklable(obj)
    return Serialization(CLOUDPICKLE, reason=f"skops cannot store it: {reason}")


def _skops_types(obj) -> tuple[tuple[str, ...] | None, str]:
    """The types skops does not trust by default in ``obj``'s dump, when all of them are
    library types this kernel may trust; otherwise None and why."""
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(data=skops.io.dumps(obj))
    except Exception as exc:  # noqa: BLE001 - skops refuses what it cannot represent; any reason is the same here
        return None, _first_line(f"{type(exc).__name__}: {exc}")
    foreign = [name for name in untrusted if name.split(".")[0] not in _TRUSTED_LIBRARIES]
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        return None, f"it holds {shown}, which is not from {', '.join(_TRUSTED_LIBRARIES)}"
    return tuple(untrusted), ""


def _first_line(text: str, limit: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= limit else line[: limit - 3] + "..."


def pinned_requirements(flavor: Flavor, obj=None, extra: tuple[str, ...] = ()) -> list[str]:
    """``name==version`` for the flavor's packages, the base stack, ``extra`` (``skops``
    for a model stored with it) and the top-level package the object's class comes from,
    as installed in this interpreter."""
    packages = list(dict.fromkeys((*_BASE_PACKAGES, *flavor.packages, *extra)))
    if obj is not None and flavor is _PYFUNC:
        top = (type(obj).__module__ or "").split(".")[0]
        for dist in _distributions().get(top, []) if top not in ("__main__", "builtins") else []:
            if dist not in packages and dist != "jupyter-mlops":
                packages.append(dist)
    pins = []
    for name in packages:
        installed = _installed_as(name)
        if installed is not None:
            pins.append(f"{installed}=={metadata.version(installed)}")
    return pins


def _installed_as(name: str) -> str | None:
    """The distribution that is installed for ``name``: itself, or another one providing
    the same module (xgboost-cpu for xgboost, say); None when neither is."""
    try:
        metadata.version(name)
        return name
    except metadata.PackageNotFoundError:
        pass
    for dist in _distributions().get(name.replace("-", "_"), []):
        try:
            metadata.version(dist)
            return dist
        except metadata.PackageNotFoundError:
            continue
    return None


def example_and_output(flavor: Flavor, obj, example):
    """The input example as the flavor logs it, and what the model returns for it (the two
    halves of the signature).  PyTorch modules are called, on a tensor of the module's own
    dtype, and logged with a numpy example (MLflow's traced "pt2" format needs one)."""
    if flavor is _PYTORCH:
        import numpy as np
        import torch

        dtype = next((p.dtype for p in obj.parameters()), torch.float32)
        values = example.to_numpy() if hasattr(example, "to_numpy") else np.asarray(example)
        tensor = torch.as_tensor(np.ascontiguousarray(values)).to(dtype)
        with torch.no_grad():
            output = obj(tensor)
        return tensor.numpy(), output.detach().cpu().numpy()
    return example, obj.predict(example)


def _distributions() -> Mapping[str, list[str]]:
    from ..tracking.environment import module_distributions

    return module_distributions()


def python_model_for(obj):
    """An ``mlflow.pyfunc.PythonModel`` that calls ``obj.predict``.  The class is built
    here, not imported, so cloudpickle stores it by value: loading the model does not
    need jupyter-mlops installed."""
    import mlflow.pyfunc

    class PredictWrapper(mlflow.pyfunc.PythonModel):  # type: ignore[name-defined]
        def __init__(self, model):
            self.model = model

        def predict(self, context, model_input, params=None):
            return self.model.predict(model_input)

    return PredictWrapper(obj)
