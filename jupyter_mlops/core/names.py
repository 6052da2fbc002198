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
NOTEBOOK = "mlops.notebook"  # notebook path relative to the Jupyter root (on a run: when it ran)
# On a notebook's experiment: the paths the notebook had before it was renamed or moved
# (JSON list); NOTEBOOK on the experiment is its path now (core/tracking/notebooks.py).
NOTEBOOK_FORMER_PATHS = "mlops.notebook.former_paths"
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

# What MLflow refuses, copied from MLflow 3.17 so the kernel can check before anything
# runs without importing mlflow (tests/core/test_mlflow_limits.py compares them):
# mlflow.utils.validation.MAX_ENTITY_KEY_LENGTH, MAX_TAG_VAL_LENGTH, MAX_PARAM_VAL_LENGTH,
# MAX_EXPERIMENT_NAME_LENGTH, MAX_MODEL_REGISTRY_TAG_KEY_LENGTH,
# MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, MAX_REGISTERED_MODEL_ALIAS_LENGTH; run, experiment
# and registered model names are also bounded by their SQL columns
# (mlflow.store.tracking.dbmodels.models.SqlRun.name String(250), SqlExperiment.name
# String(256), mlflow.store.model_registry.dbmodels.models.SqlRegisteredModel.name
# String(256)), which PostgreSQL and MySQL enforce and SQLite does not.
MLFLOW_MAX_KEY_LENGTH = 250  # tag, param and metric keys
MLFLOW_MAX_TAG_VALUE_LENGTH = 8000
MLFLOW_MAX_PARAM_VALUE_LENGTH = 6000
MLFLOW_MAX_EXPERIMENT_NAME_LENGTH = 256  # the column; the validator says 500
MLFLOW_MAX_RUN_NAME_LENGTH = 250
MLFLOW_MAX_MODEL_NAME_LENGTH = 256
MLFLOW_MAX_MODEL_TAG_KEY_LENGTH = 250
MLFLOW_MAX_MODEL_TAG_VALUE_LENGTH = 100_000
MLFLOW_MAX_ALIAS_LENGTH = 255

# models and deployments
# On a model version (lineage; the version's own run_id field names the source run):
MODEL_VARIABLE = "mlops.model.variable"  # the kernel variable that held the model
MODEL_FLAVOR = "mlops.model.flavor"  # "sklearn", "xgboost", "lightgbm", "pytorch" or "pyfunc"
MODEL_SOURCE_RUN = "mlops.model.source_run"  # the tracked run that produced the object
MODEL_DATASETS = "mlops.model.datasets"  # JSON list of {"name", "digest", "role"} of that run
MODEL_GATE = "mlops.model.gate"  # the --require expression the version passed
# Deployments, on the model version that serves: one tag per deployment, keyed by port,
# its value a JSON record (see core/models/deploy.py); DEPLOYMENTS lists the ports (searchable).
DEPLOYMENTS = "mlops.deployments"  # "5001,5002"
DEPLOYMENT_TAG = DEPLOYMENT_PREFIX + "{port}"

# Data contracts (core/contracts): contracts/NAME.yaml beside the notebook.
KIND_CONTRACT = "contract"  # the run %contract records: the dataset a contract was inferred from
CONTRACT_NAME = "mlops.contract.name"  # on a contract run
CONTRACT_FILE = "mlops.contract.file"  # the file, relative to the Jupyter root where it can be
CONTRACT_HASH = "mlops.contract.hash"  # xxh3-128 of the file's text
# On a tracked run that validated data (%%track --expect NAME:VAR): one tag per contract
# holding the JSON report, a list of all of them (searchable), and metrics
# contract.NAME.violations / contract.NAME.failed_values.
EXPECT_TAG = "mlops.expect.{name}"  # {"status", "variable", "digest", "file", "violations": [...]}
EXPECTS = "mlops.expects"  # JSON list of {"name", "variable", "digest", "status"}
ARTIFACT_CONTRACTS = "mlops/contracts"  # NAME.yaml on contract runs, NAME.json (full report) on tracked runs

# Monitoring (core/monitoring). On a model version: where its reference profile is, in
# the LoggedModel's artifacts, and per deployment (keyed by port) the last check's status
# as JSON {"status": "ok" | "alert", "run_id", "time" (ms), "drifted": [...]}.
MONITOR_PROFILE = "mlops.monitor.profile"  # "mlops/reference_profile.json"
MONITOR_STATUS_TAG = "mlops.monitor.status.{port}"
# Each check is a run in the model's monitoring experiment, tagged with the deployment it read.
MONITORING_EXPERIMENT = "monitoring/{name}"
KIND_MONITOR = "monitor"  # mlops.kind of a check run
MONITOR_MODEL = "mlops.monitor.model"
MONITOR_VERSION = "mlops.monitor.version"
MONITOR_DEPLOYMENT = "mlops.monitor.deployment"  # the deployment's ref, e.g. "churn@champion"
MONITOR_PORT = "mlops.monitor.port"
MONITOR_STATUS = "mlops.monitor.status"  # "ok" or "alert" (on the check run)
MONITOR_DRIFTED = "mlops.monitor.drifted"  # JSON list of the drifted columns
MONITOR_WINDOW = "mlops.monitor.window"  # "10000 rows" or "1h"
ARTIFACT_MONITOR_REPORT = "mlops/drift.json"  # the check's table (rows of drift.COLUMNS)
ARTIFACT_PREDICTIONS = "mlops/predictions"  # rotated prediction-log segments, under <port>/ on the LoggedModel

# Lifecycle (core/lifecycle): policies/NAME.yaml beside the notebook; retraining, gate,
# promotion and rollback.  Every decision is a run in the model's promotions experiment.
PROMOTIONS_EXPERIMENT = "promotions/{name}"
KIND_DECISION = "decision"  # mlops.kind of a decision run
DECISION = "mlops.decision"  # triggered, retrained, gated, promoted, refused, rolled_back, failed
DECISION_MODEL = "mlops.decision.model"
DECISION_ALIAS = "mlops.decision.alias"
DECISION_FROM = "mlops.decision.from_version"  # where the alias pointed before ("" when it did not exist)
DECISION_TO = "mlops.decision.to_version"  # where it points after (promoted, rolled_back), or the challenger
DECISION_FORCED = "mlops.decision.forced"  # "true": an alias move that did not pass the gate (--force)
DECISION_TRIGGER = "mlops.decision.trigger"  # "drift", "schedule", "data" or "manual"
DECISION_KEY = "mlops.decision.key"  # the dedupe key: the fingerprint of the data retraining reads
DECISION_CAUSE = "mlops.decision.cause"  # the run that caused it: a monitoring alert run, or the triggering decision
DECISION_POLICY = "mlops.decision.policy"  # the policy file, relative to the Jupyter root
DECISION_OUTCOME = "mlops.decision.outcome"  # "passed" / "failed" (gated), or why it was refused or failed
ARTIFACT_EVIDENCE = "mlops/evidence.json"  # a decision's full evidence
# The alert contract lifecycle reads (written by core/monitoring/check.py): a run in
# MONITORING_EXPERIMENT with mlops.kind=monitor and mlops.monitor.status=alert; its start
# time is when the alert was raised, its drift.* metrics and mlops.monitor.drifted the figures.
MONITOR_ALERT = "alert"
# On a version registered by a retraining (lineage: the trigger and the data that caused it):
MODEL_TRIGGER_RUN = "mlops.model.trigger_run"  # the 'triggered' decision run
MODEL_TRIGGER = "mlops.model.trigger"  # its kind
MODEL_DATA_FINGERPRINT = "mlops.model.data_fingerprint"  # JSON {path: digest} of the data it was retrained on
MODEL_PIPELINE_RUN = "mlops.model.pipeline_run"  # the exported pipeline's run that fitted it
# A stable endpoint (a proxy whose port stays across versions), on the registered model:
ENDPOINT_TAG = "mlops.endpoint.{alias}"  # JSON {"port", "pid", "machine", "upstream", "version", "started"}
