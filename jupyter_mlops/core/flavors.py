"""Which MLflow flavor logs a Python object, and the pip requirements pinned from the
running interpreter (no requirement inference subprocess: the versions in memory are
the ones the model was trained with)."""

from __future__ import annotations

import sys
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
        raise NotAModel(f"this {type(estimator).__name__} is not fitted yet; call fit() before registering it.") from None
    except TypeError:  # not an estimator sklearn can check: let it through
        pass


def _require_picklable(obj) -> None:
    import cloudpickle

    try:
        cloudpickle.dumps(obj)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means the same to the user
        raise NotAModel(f"this {type(obj).__name__} has predict() but cannot be pickled ({type(exc).__name__}: "
                        f"{exc}), so MLflow cannot store it.") from None


def pinned_requirements(flavor: Flavor, obj=None) -> list[str]:
    """``name==version`` for the flavor's packages, the base stack and the top-level
    package the object's class comes from, as installed in this interpreter."""
    packages = list(dict.fromkeys((*_BASE_PACKAGES, *flavor.packages)))
    if obj is not None and flavor is _PYFUNC:
        top = (type(obj).__module__ or "").split(".")[0]
        for dist in _distributions().get(top, []) if top not in ("__main__", "builtins") else []:
            if dist not in packages and dist != "jupyter-mlops":
                packages.append(dist)
    pins = []
    for name in packages:
        dist = _installed_as(name)
        if dist is not None:
            pins.append(f"{dist}=={metadata.version(dist)}")
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


def _distributions() -> dict[str, list[str]]:
    from .environment import module_distributions

    return module_distributions()


def python_model_for(obj):
    """An ``mlflow.pyfunc.PythonModel`` that calls ``obj.predict``.  The class is built
    here, not imported, so cloudpickle stores it by value: loading the model does not
    need jupyter-mlops installed."""
    import mlflow.pyfunc

    class PredictWrapper(mlflow.pyfunc.PythonModel):
        def __init__(self, model):
            self.model = model

        def predict(self, context, model_input, params=None):
            return self.model.predict(model_input)

    return PredictWrapper(obj)
