"""The kernel layer: IPython magics over core. Never imports tornado or the server."""

from __future__ import annotations

from ..core.config import MLOps, export_to_environment, resolve


def load_ipython_extension(ipython) -> None:
    from IPython.core.error import UsageError

    from .contract_magics import ContractMagics
    from .lifecycle_magics import LifecycleMagics
    from .magics import MLOpsMagics
    from .model_magics import ModelMagics
    from .monitor_magics import MonitorMagics

    try:
        settings = resolve(MLOps(config=ipython.config))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    # The cell's own mlflow calls must reach the same store as %%track.
    export_to_environment(settings)
    ipython.register_magics(MLOpsMagics)
    ipython.register_magics(ModelMagics)
    ipython.register_magics(MonitorMagics)
    ipython.register_magics(ContractMagics)
    ipython.register_magics(LifecycleMagics)


def unload_ipython_extension(ipython) -> None:
    pass
