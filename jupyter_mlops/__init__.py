"""jupyter-mlops: MLOps from the notebook, on MLflow.

This module holds entry points only.  Everything heavy (mlflow, tornado) is imported
inside the functions below, so ``%load_ext jupyter_mlops`` stays fast.
"""

from ._version import __version__

__all__ = ["__version__", "track"]


def load_ipython_extension(ipython):
    """``%load_ext jupyter_mlops``: register %%track, %runs and %mlops."""
    from .kernel import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):
    from .kernel import unload_ipython_extension as _unload

    _unload(ipython)


def _jupyter_server_extension_points():
    return [{"module": "jupyter_mlops"}]


def _load_jupyter_server_extension(server_app):
    from .server import load_jupyter_server_extension

    load_jupyter_server_extension(server_app)


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyter-mlops"}]


def track(*args, **kwargs):
    """Track a block of a Python script as one MLflow run; see :func:`jupyter_mlops.core.tracking.track`."""
    from .core.tracking.script import track as _track

    return _track(*args, **kwargs)
