"""Notebook -> pipeline: cells become steps (python package, Airflow DAG, Kubeflow v2).

Imports only jupyter_mlops.core and mlflow (lazily), never the kernel or the server.
"""

from .errors import ExportError


def export_notebook(path, target="python", out=None, **options):
    """See :func:`jupyter_mlops.pipeline.export.export_notebook`."""
    from .export import export_notebook as _export

    return _export(path, target, out, **options)


__all__ = ["ExportError", "export_notebook"]
