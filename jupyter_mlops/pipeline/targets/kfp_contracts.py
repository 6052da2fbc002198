"""Data contracts inside a KFP component: the step validates what it reads and writes.

A component runs where jupyter-mlops is not installed, so one whose step reads or writes
a variable held to a contract carries what the check needs as text: the contract files
as they were at export, and the validator's source (core/contracts/enforce.py and the
modules it imports), which it writes out once under the private package name
``_mlops_contracts``.  A contract file in the component's working folder (the
notebook's folder, when it exists there) wins over the exported copy, as with the
python target.  The check is ``enforce.check``, the python runner's own: same tags,
metrics and failure message.
"""

from __future__ import annotations

from pathlib import Path

from ...core.contracts import enforce
from ..plan import Plan, Step
from ..runner.contracts import FOLDER

PACKAGE = "_mlops_contracts"


def step_marks(marks: dict[str, list[str]], step: Step) -> dict[str, list[str]]:
    held = {*step.inputs, *step.outputs, *step.results}
    return {variable: names for variable, names in marks.items() if variable in held}


def requirements() -> list[str]:
    """What the validator imports, pinned to this environment's versions."""
    from importlib import metadata

    pins = []
    for dist in ("pandera", "pyyaml", "scipy"):
        try:
            pins.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pins.append(dist)
    return pins


def helpers(plan: Plan, step: Step, marks: dict[str, list[str]]) -> str:
    """The component-body source (4-space indented) defining ``_check_contracts``; empty
    when the step touches no variable held to a contract."""
    if not marks:
        return ""
    core = Path(enforce.__file__).resolve().parent.parent
    sources = {relative: (core / relative).read_text(encoding="utf-8") for relative in enforce.SOURCES}
    folder = Path(plan.workdir or ".") / FOLDER
    texts = {}
    for name in sorted({n for names in marks.values() for n in names}):
        found = folder / f"{name}.yaml"
        if found.is_file():
            texts[name] = found.read_text(encoding="utf-8")
    return _HELPERS.format(marks=marks, texts=texts, sources=sources, package=PACKAGE, folder=FOLDER,
                           step=step.name)


def call(role: str, names: list[str], marks: dict[str, list[str]]) -> list[str]:
    """The component-body line that checks those of ``names`` held to a contract."""
    held = tuple(n for n in names if n in marks)
    if not held:
        return []
    return [f"        _check_contracts(tracked, {role!r}, {{n: namespace[n] for n in {held!r} if n in namespace}})"]


_HELPERS = '''
    _contract_marks = {marks!r}
    _contract_texts = {texts!r}
    _contract_sources = {sources!r}

    def _check_contracts(tracked, role, values):
        import importlib
        import tempfile
        if "{package}" not in _sys.modules:
            root = tempfile.mkdtemp(prefix="mlops-contracts-")
            for relative, text in dict(_contract_sources, **{{"__init__.py": "", "contracts/__init__.py": ""}}).items():
                path = _os.path.join(root, "{package}", relative)
                _os.makedirs(_os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(text)
            _sys.path.insert(0, root)
        enforce = importlib.import_module("{package}.contracts.enforce")
        files = importlib.import_module("{package}.contracts.files")

        def load(name):
            if _os.path.isfile(_os.path.join("{folder}", name + ".yaml")):
                return files.load(".", name)
            if name not in _contract_texts:
                raise files.UnknownContract(f"No contract {{name!r}} in {folder}/ here or exported with the "
                                            "pipeline; infer one in the notebook with %contract and export again.")
            return files.parse(_contract_texts[name], "{folder}/" + name + ".yaml (exported with the pipeline)")

        checked = enforce.check(values, _contract_marks, load, step={step!r}, role=role)
        if tracked is not None and checked.tags:
            import time as _time
            from mlflow.entities import Metric, RunTag
            client, run_id = tracked
            now = int(_time.time() * 1000)
            client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in checked.metrics.items()],
                             tags=[RunTag(k, v) for k, v in checked.tags.items()])
        checked.raise_if_failed()
'''
