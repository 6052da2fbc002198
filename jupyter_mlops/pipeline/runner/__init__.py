"""What an exported pipeline runs with: needs jupyter_mlops.core and mlflow, not the kernel.

``run_pipeline`` runs a whole exported package in this process; ``single`` runs one step
per call for orchestrators; ``main`` is the package's ``python -m NAME`` command line.
"""

from .run import PipelineResult, run_pipeline

__all__ = ["PipelineResult", "run_pipeline"]
