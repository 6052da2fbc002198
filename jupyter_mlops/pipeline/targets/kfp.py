"""The kfp target: a Kubeflow Pipelines v2 pipeline, one lightweight component per step.

KFP ships only a component function's own source to the cluster, so each component
carries the shared cells and its step's code as strings and runs them in one
namespace, like the notebook did.  Data moves as KFP artifacts (parquet, npy or
joblib files, with the jupyter-mlops fingerprint in their metadata when available).
Each step execution is an MLflow run when the components get a tracking URI (see
:mod:`.kfp_tracking`).
``python NAME_kfp.py`` compiles ``NAME.yaml`` with the kfp compiler.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ..contract_marks import plan_marks
from ..plan import Finding, Plan, Step
from . import kfp_contracts, kfp_tracking, package

_TYPES = {bool: "bool", int: "int", float: "float", str: "str"}
# An image with requirements.txt and kfp installed, read when the pipeline is compiled.
PREBUILT_IMAGE_ENV = "JUPYTER_MLOPS_KFP_IMAGE"

_HEADER = '''"""Kubeflow Pipelines v2 pipeline '{name}', exported by jupyter-mlops from {notebook}.

Compile:  python {name}_kfp.py   (writes {name}.yaml; needs `pip install kfp`)

Each component starts from python:{python}-slim and installs PACKAGES (requirements.txt)
and kfp.  With an image that has them all, compile with {image_env}=IMAGE: the
components then start from IMAGE and install nothing (no index needed on the cluster).
"""

import os
from pathlib import Path

from kfp import compiler, dsl
from kfp.dsl import Artifact, Input, Metrics, Output

PREBUILT_IMAGE = os.environ.get({image_env!r}, "")
BASE_IMAGE = PREBUILT_IMAGE or "python:{python}-slim"
PACKAGES = [] if PREBUILT_IMAGE else {packages!r}
'''

# Runs inside each component: the helpers travel as source with the function.
_HELPERS = '''    import json as _json

    _bundles = {}

    def _load(artifact):
        fmt = artifact.metadata.get("format", "joblib")
        if fmt == "bundle":  # names written together come back as one set of objects
            bundle = artifact.metadata["bundle"]
            if bundle not in _bundles:
                import cloudpickle
                with open(artifact.path, "rb") as handle:
                    _bundles[bundle] = cloudpickle.load(handle)
            return _bundles[bundle][artifact.metadata["key"]]
        if fmt == "parquet":
            import pandas
            return pandas.read_parquet(artifact.path)
        if fmt == "npy":
            import numpy
            return numpy.load(artifact.path, allow_pickle=False)
        if fmt == "cloudpickle":
            import cloudpickle
            with open(artifact.path, "rb") as handle:
                return cloudpickle.load(handle)
        import joblib
        return joblib.load(artifact.path)

    def _save(value, artifact):
        kind = type(value).__module__ + "." + type(value).__qualname__
        if kind.startswith("pandas") and type(value).__name__ == "DataFrame" \\
                and all(isinstance(c, str) for c in value.columns):
            value.to_parquet(artifact.path, engine="pyarrow")
            fmt = "parquet"
        elif kind == "numpy.ndarray" and value.dtype.kind != "O":
            import numpy
            with open(artifact.path, "wb") as handle:
                numpy.save(handle, value, allow_pickle=False)
            fmt = "npy"
        else:
            fmt = "joblib"
            try:  # joblib for models holding arrays; cloudpickle for what it refuses (modules...)
                import joblib
                with open(artifact.path, "wb") as handle:
                    joblib.dump(value, handle)
            except Exception:  # noqa: BLE001 - any pickling failure: try cloudpickle
                import cloudpickle
                with open(artifact.path, "wb") as handle:
                    cloudpickle.dump(value, handle)
                fmt = "cloudpickle"
        _describe(value, artifact, fmt)

    def _save_all(values, artifacts):
        """Values sharing objects (combine = [train, test] beside train and test) go in one
        bundle, written to each of their artifacts, so the next step gets them linked."""
        owners = {}
        for name, value in values.items():
            owners.setdefault(id(value), []).append(name)
        linked = {}
        for name, value in values.items():
            members = list(value.values()) if isinstance(value, dict) else \
                list(value) if isinstance(value, (list, tuple)) else []
            together = set(owners[id(value)]) | {n for m in members for n in owners.get(id(m), [])}
            if len(together) > 1:
                for other in together:
                    linked.setdefault(other, set()).update(together)
        changed = True
        while changed:
            changed = False
            for group in linked.values():
                extra = set().union(*(linked.get(m, set()) for m in group)) - group
                if extra:
                    group |= extra
                    changed = True
        import uuid
        tokens = {}
        for name, value in values.items():
            if name not in linked:
                _save(value, artifacts[name])
                continue
            import cloudpickle
            group = tuple(sorted(linked[name]))
            token = tokens.setdefault(group, uuid.uuid4().hex)
            with open(artifacts[name].path, "wb") as handle:
                cloudpickle.dump({n: values[n] for n in group}, handle)
            artifacts[name].metadata["bundle"] = token
            artifacts[name].metadata["key"] = name
            _describe(value, artifacts[name], "bundle")

    def _describe(value, artifact, fmt):
        kind = type(value).__module__ + "." + type(value).__qualname__
        artifact.metadata["format"] = fmt
        artifact.metadata["kind"] = kind
        try:
            from jupyter_mlops.core.tracking.fingerprint import fingerprint
            found = fingerprint(value)
            if found is not None:
                artifact.metadata["digest"] = found.digest
                artifact.metadata["shape"] = _json.dumps(list(found.shape))
        except ImportError:
            pass
'''


def _param_type(value: object) -> str:
    return _TYPES.get(type(value), "str")


def _param_default(value: object) -> str:
    """kfp.local accepts only bool/int/float/str defaults: others (None, lists) go as JSON text."""
    return repr(value) if type(value) in _TYPES else repr(json.dumps(value))


def _param_value(key: str, value: object) -> str:
    """The expression a component uses for parameter ``key`` (JSON text decoded back)."""
    return key if type(value) in _TYPES else f"_from_json({key})"


_SETUP = '''    import os as _os
    import sys as _sys

    def _from_json(text):
        try:
            return _json.loads(text)
        except ValueError:
            return text

    # Run where the notebook ran (relative paths), with its local modules importable.
    if {workdir} and _os.path.isdir({workdir}):
        _os.chdir({workdir})
        _sys.path.insert(0, {workdir})
    _local_modules = {modules!r}
    if _local_modules:
        import tempfile as _tempfile
        _folder = _tempfile.mkdtemp(prefix="mlops-modules-")
        for _relative, _text in _local_modules.items():
            _os.makedirs(_os.path.dirname(_os.path.join(_folder, _relative)), exist_ok=True)
            with open(_os.path.join(_folder, _relative), "w", encoding="utf-8") as _handle:
                _handle.write(_text)
        _sys.path.insert(0, _folder)
'''
WORKDIR_PARAMETER = "mlops_workdir"


def component_source(plan: Plan, step: Step, shared: str, code: str, experiment: str,
                     marks: dict[str, list[str]] | None = None) -> str:
    marks = kfp_contracts.step_marks(marks or {}, step)
    args = [f"in_{n}: Input[Artifact]" for n in sorted(step.inputs)]
    args += [f"out_{n}: Output[Artifact]" for n in step.outputs]
    args.append("mlops_metrics: Output[Metrics]")
    args.append(f"{kfp_tracking.URI_PARAMETER}: str = ''")
    args.append(f"{WORKDIR_PARAMETER}: str = {plan.workdir!r}")
    args += [f"{k}: {_param_type(v)} = {_param_default(v)}" for k, v in step.params.items()]
    inputs = ", ".join(f"_data_record({n!r}, in_{n})" for n in sorted(step.inputs))
    lines = ["@dsl.component(base_image=BASE_IMAGE, packages_to_install=PACKAGES, "
             "install_kfp_package=not PREBUILT_IMAGE)",
             f"def step_{step.name}(" + ", ".join(args) + "):",
             f'    """Step \'{step.name}\' from {step.cell.label}."""',
             _HELPERS,
             _SETUP.format(workdir=WORKDIR_PARAMETER, modules=plan.local_modules),
             kfp_tracking.TRACKING_HELPERS,
             kfp_contracts.helpers(plan, step, marks),
             f"    shared_code = {shared!r}",
             f"    step_code = {code!r}",
             f"    params = {{{', '.join(f'{k!r}: {_param_value(k, v)}' for k, v in step.params.items())}}}",
             f"    tracked = _start_run({kfp_tracking.URI_PARAMETER}, {experiment!r}, {step.name!r}, "
             f"{kfp_tracking.step_tags(plan, step)!r}, params, [{inputs}])",
             "    try:",
             "        namespace = {'__name__': '__step__', 'display': lambda *objects, **_: print(*objects)}",
             "        exec(compile(shared_code, 'shared.py', 'exec'), namespace)",
             "        namespace.update({" + ", ".join(f"{n!r}: _load(in_{n})" for n in sorted(step.inputs)) + "})",
             *kfp_contracts.call("read", sorted(step.inputs), marks),
             "        namespace.update(params)",
             "        namespace['param'] = lambda name, default=None: params.get(name, default)",
             f"        exec(compile(step_code, 'steps/{step.name}.py', 'exec'), namespace)"]
    lines += kfp_contracts.call("wrote", [*step.outputs, *step.results], marks)
    if step.outputs:
        lines.append("        _save_all({" + ", ".join(f"{n!r}: namespace[{n!r}]" for n in step.outputs) + "}, {"
                     + ", ".join(f"{n!r}: out_{n}" for n in step.outputs) + "})")
    lines.append("        metrics = {}")
    for metric in step.metrics:  # a number, or a dict of numbers (as %%track logs them)
        lines.append(f"        value = namespace[{metric!r}]")
        lines.append(f"        for key, number in (value.items() if isinstance(value, dict) else "
                     f"[({metric!r}, value)]):")
        lines.append("            metrics[str(key)] = float(number)")
    lines += ["        for key, number in metrics.items():",
              "            mlops_metrics.log_metric(key, number)",
              "    except BaseException as error:",
              "        _finish_run(tracked, {}, [], error)",
              "        raise",
              "    _finish_run(tracked, metrics, ["
              + ", ".join(f"_data_record({n!r}, out_{n})" for n in step.outputs) + "], None)"]
    return "\n".join(lines) + "\n"


def pipeline_source(plan: Plan, packages: list[str], experiment: str,
                    marks: dict[str, list[str]] | None = None) -> str:
    shared = package.shared_source(plan)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    parts = [_HEADER.format(name=plan.name, notebook=plan.notebook, python=version, packages=packages,
                           image_env=PREBUILT_IMAGE_ENV)]
    for step in plan.steps:
        parts.append("\n" + component_source(plan, step, shared, package.step_source(step), experiment, marks))
    params: dict[str, object] = {}
    for step in plan.steps:
        for key, value in step.params.items():
            params.setdefault(key, value)
    signature = ", ".join([*(f"{k}: {_param_type(v)} = {_param_default(v)}" for k, v in params.items()),
                           f"{kfp_tracking.URI_PARAMETER}: str = ''", f"{WORKDIR_PARAMETER}: str = {plan.workdir!r}"])
    body = []
    for step in plan.steps:
        kwargs = [f"in_{n}={src}_task.outputs['out_{n}']" for n, src in sorted(step.inputs.items())]
        kwargs += [f"{k}={k}" for k in step.params]
        kwargs.append(f"{kfp_tracking.URI_PARAMETER}={kfp_tracking.URI_PARAMETER}")
        kwargs.append(f"{WORKDIR_PARAMETER}={WORKDIR_PARAMETER}")
        body.append(f"    {step.name}_task = step_{step.name}({', '.join(kwargs)})")
        for other in sorted(step.after - set(step.inputs.values())):  # files and prev: tags
            body.append(f"    {step.name}_task.after({other}_task)")
        body.append(f"    {step.name}_task.set_display_name({step.name!r})")
    dash_name = plan.name.replace("_", "-")
    parts.append(f"\n@dsl.pipeline(name={dash_name!r}, description={('Exported from ' + plan.notebook)!r})\n"
                 f"def pipeline({signature}):\n" + "\n".join(body) + "\n")
    parts.append("\nif __name__ == \"__main__\":\n"
                 f"    compiler.Compiler().compile(pipeline, str(Path(__file__).with_name({plan.name + '.yaml'!r})))\n")
    return "".join(parts)


def render(plan: Plan, root: Path, experiment: str) -> list[str]:
    packages = [p for p in package.requirements(plan)
                if not p.startswith(("jupyter-mlops", "mlflow"))]
    packages.append(kfp_tracking.mlflow_requirement())  # the components log their runs
    marks = plan_marks(plan)
    if marks:  # the components validate data against the notebook's contracts
        have = {p.split("==")[0].lower() for p in packages}
        packages += [p for p in kfp_contracts.requirements() if p.split("==")[0].lower() not in have]
    source = root / f"{plan.name}_kfp.py"
    source.write_text(pipeline_source(plan, packages, experiment, marks), encoding="utf-8")
    (root / "requirements.txt").write_text("\n".join(packages) + "\n", encoding="utf-8")
    try:
        import kfp  # noqa: F401 - compile here when kfp is installed beside jupyter-mlops
    except ImportError:
        plan.findings.append(Finding("info", "kfp is not installed here, so the YAML spec was not compiled: "
                                     f"pip install kfp, then python {source.name}"))
        return [f"pip install kfp && python {source}"]
    done = subprocess.run([sys.executable, str(source)], capture_output=True, text=True, cwd=root, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the kfp compiler failed on {source.name}:\n{done.stderr[-4000:]}")
    return [f"upload {root / (plan.name + '.yaml')} to Kubeflow Pipelines"]
