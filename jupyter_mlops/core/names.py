"""The names jupyter-mlops writes into MLflow: one contract for kernel, server and pipeline.

Every value is a normal MLflow tag, param, metric, dataset input or artifact, so the
stock MLflow UI and client read all of it.
"""

# MLflow's own system tags (mlflow.utils.mlflow_tags), repeated here so the kernel
# does not have to import mlflow to name them.
SOURCE_NAME = "mlflow.source.name"
SOURCE_TYPE = "mlflow.source.type"
SOURCE_GIT_COMMIT = "mlflow.source.git.commit"
SOURCE_GIT_BRANCH = "mlflow.source.git.branch"
RUN_NAME = "mlflow.runName"
NOTE = "mlflow.note.content"
DATASET_CONTEXT = "mlflow.data.context"

# Ours.
PREFIX = "mlops."
RUN_KEY = "mlops.run_key"  # idempotency key, set at creation: retries never duplicate
KIND = "mlops.kind"  # "cell" (a %%track cell) or "script" (the track() context manager)
VERSION = "mlops.version"  # jupyter-mlops version that wrote the run
NOTEBOOK = "mlops.notebook"  # notebook path relative to the Jupyter root
CELL_ID = "mlops.cell.id"  # JupyterLab's cell id (execute request metadata cellId)
CELL_EXECUTION_COUNT = "mlops.cell.execution_count"
CELL_HASH = "mlops.cell.hash"  # xxh3-128 hex of the cell source
CELL_SOURCE = "mlops.cell.source"  # the (redacted) source; truncated, full copy in ARTIFACT_CELL
CELL_DEPENDS_ON = "mlops.cell.depends_on"  # JSON list of {"execution_count", "names"}
CELL_WRITES = "mlops.cell.writes"  # JSON list of the names the cell (re)bound or changed
GIT_COMMIT = "mlops.git.commit"
GIT_BRANCH = "mlops.git.branch"
GIT_DIRTY = "mlops.git.dirty"  # "true" / "false"
GIT_ROOT = "mlops.git.root"
ENV_HASH = "mlops.env.hash"  # xxh3-128 of the package list
ENV_RUN_ID = "mlops.env.run_id"  # the run in ENVIRONMENTS_EXPERIMENT holding that list
PYTHON_VERSION = "mlops.python"
ERROR = "mlops.error"  # "ExcType: message" of a FAILED run
WARNING = "mlops.warning"
DATA_INPUTS = "mlops.data.inputs"  # JSON list of {"name", "digest", "kind", "shape"}
DATA_OUTPUTS = "mlops.data.outputs"
DATASET_ROLE = "mlops.data.role"  # on a dataset input: "input" or "output"
DURATION = "mlops.duration_ms"
DEPLOYMENT_PREFIX = "mlops.deployment."  # on model versions (the deploy issue)

# Pipelines exported from notebooks (jupyter_mlops/pipeline/runner).
KIND_PIPELINE = "pipeline"
KIND_PIPELINE_STEP = "pipeline.step"
PIPELINE_NAME = "mlops.pipeline.name"
PIPELINE_STEP = "mlops.pipeline.step"
PIPELINE_CACHE_KEY = "mlops.pipeline.cache_key"
PIPELINE_CACHE_HIT = "mlops.pipeline.cache_hit"
PIPELINE_CACHED_FROM = "mlops.pipeline.cached_from"
PIPELINE_SOURCE_RUN = "mlops.pipeline.source_run"  # the notebook's tracked run of the step's cell
PIPELINE_CODE_HASH = "mlops.pipeline.code_hash"
PARENT_RUN = "mlflow.parentRunId"

# Experiment that holds one run per distinct environment (content-addressed).
ENVIRONMENTS_EXPERIMENT = ".mlops-environments"
DEFAULT_EXPERIMENT = "Default"

# Artifact paths inside a run.
ARTIFACT_DIR = "mlops"
ARTIFACT_CELL = "mlops/cell.py"
ARTIFACT_DEPENDENCIES = "mlops/dependencies.py"
ARTIFACT_STDOUT = "mlops/stdout.txt"
ARTIFACT_STDERR = "mlops/stderr.txt"
ARTIFACT_TRACEBACK = "mlops/traceback.txt"
ARTIFACT_GIT_DIFF = "mlops/git.diff"
ARTIFACT_FIGURES = "mlops/figures"
ARTIFACT_REQUIREMENTS = "requirements.txt"  # in the environment run

# MLflow limits tag values to 8000 characters on the SQL stores.
MAX_TAG_VALUE = 7900

# models and deployments
# On a model version (lineage; the version's own run_id field names the source run):
MODEL_VARIABLE = "mlops.model.variable"  # the kernel variable that held the model
MODEL_FLAVOR = "mlops.model.flavor"  # "sklearn", "xgboost", "lightgbm", "pytorch" or "pyfunc"
MODEL_SOURCE_RUN = "mlops.model.source_run"  # the tracked run that produced the object
MODEL_DATASETS = "mlops.model.datasets"  # JSON list of {"name", "digest", "role"} of that run
MODEL_GATE = "mlops.model.gate"  # the --require expression the version passed
# Deployments, on the model version that serves: one tag per deployment, keyed by port,
# its value a JSON record (see core/deploy.py); DEPLOYMENTS lists the ports (searchable).
DEPLOYMENTS = "mlops.deployments"  # "5001,5002"
DEPLOYMENT_TAG = DEPLOYMENT_PREFIX + "{port}"
