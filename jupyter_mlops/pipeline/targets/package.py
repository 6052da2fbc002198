"""The python target, and the package every other target builds on.

Layout of ``OUT/NAME/``: ``__main__.py`` (``python -m NAME``), ``pipeline.json`` (steps,
edges, params), ``shared.py`` (the import/def cells), ``steps/<step>.py`` (one cell each,
literal parameters rewritten as ``param("name", value)``).
"""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

from ...core.tracking.environment import module_distributions
from ..contract_marks import export_contracts
from ..plan import Plan, Step
from ..runner.spec import dump_spec

MODULES_DIR = "local_modules"  # copies of the notebook's local modules, first on sys.path

# Import names whose distribution is named differently on PyPI.
_DISTRIBUTIONS = {"sklearn": "scikit-learn", "cv2": "opencv-python", "PIL": "pillow", "yaml": "pyyaml",
                  "skimage": "scikit-image", "bs4": "beautifulsoup4", "jupyter_mlops": "jupyter-mlops"}


def _header(title: str, plan: Plan) -> str:
    return f'"""{title}\n\nExported by jupyter-mlops from {plan.notebook}; edit the notebook and export again."""\n'


def step_source(step: Step) -> str:
    """The cell's code with its literal parameters read from the pipeline's parameters."""
    lines = step.code.split("\n")
    for name, node in sorted(step.usage.literals.items(), key=lambda kv: -kv[1].lineno):
        first, last = node.lineno - 1, node.end_lineno - 1
        if node.col_offset != 0 or lines[last][node.end_col_offset:].strip().split("#")[0].strip():
            continue  # shares its line with another statement: leave it as written
        value = ast.unparse(node.value)
        lines[first:last + 1] = [f"{name} = param({name!r}, {value})"]
    body = _show_last_value("\n".join(lines).rstrip() + "\n", step)
    notes = [f"# Step '{step.name}' from {step.cell.label}."]
    if step.inputs:
        notes.append("# Inputs: " + ", ".join(f"{n} (from {s})" for n, s in sorted(step.inputs.items())))
    if step.outputs:
        notes.append("# Outputs: " + ", ".join(step.outputs))
    if step.results:
        notes.append("# Also kept (no step reads them): " + ", ".join(step.results))
    if step.params:
        notes.append("# Parameters: " + ", ".join(f"{k}={v!r}" for k, v in step.params.items()))
    return "\n".join(notes) + "\n\n" + body


def _show_last_value(body: str, step: Step) -> str:
    """A cell's last bare expression is shown by Jupyter unless the line ends with ';':
    the step prints it the same way (``display``), so its output matches the notebook's."""
    last_source = (step.cells[-1] if step.cells else step.cell).source.rstrip()
    if last_source.endswith(";") or last_source.split("\n")[-1].lstrip().startswith("%"):
        return body
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return body
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return body
    node = tree.body[-1]
    call = node.value
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in ("print", "display"):
        return body
    if isinstance(call, ast.Constant) and isinstance(call.value, str):
        return body  # a docstring-like note
    lines = body.split("\n")
    if node.col_offset != 0 or lines[node.end_lineno - 1][node.end_col_offset:].split("#")[0].strip():
        return body  # shares a line with another statement: leave it
    expression = "\n".join(lines[node.lineno - 1:node.end_lineno])
    shown = [f"_mlops_shown = ({expression.strip()})", "if _mlops_shown is not None:",
             "    display(_mlops_shown)  # the value Jupyter showed under the cell"]
    lines[node.lineno - 1:node.end_lineno] = shown
    shown_body = "\n".join(lines)
    try:
        ast.parse(shown_body)
    except SyntaxError:
        return body
    return shown_body


def shared_source(plan: Plan) -> str:
    parts = [_header("Shared code: the notebook's import, function and class cells.", plan)]
    for cell, code in plan.shared:
        parts.append(f"# --- {cell.label} ---\n{code.rstrip()}\n")
    if plan.prelude:
        parts.append(plan.prelude)
    return "\n".join(parts)


def spec_dict(plan: Plan, experiment: str) -> dict:
    return {
        "name": plan.name,
        "notebook": plan.notebook,
        "experiment": experiment,
        "shared_file": "shared.py",
        "workdir": plan.workdir,
        "modules_dir": MODULES_DIR if plan.local_modules else None,
        "steps": [{
            "name": s.name, "file": f"steps/{s.name}.py", "inputs": s.inputs, "outputs": s.outputs,
            "results": s.results,
            "params": s.params, "metrics": s.metrics, "cell_index": s.cell.index, "cell_id": s.cell.id,
            "source_run_id": s.source_run_id,
            "experiment": s.track.experiment if s.track else None,
            "after": sorted(s.after), "files_read": s.files_read, "files_written": s.files_written,
        } for s in plan.steps],
    }


def requirements(plan: Plan) -> list[str]:
    """Distributions the cells import, pinned to the versions installed here."""
    modules: set[str] = set()
    for code in [c for _, c in plan.shared] + [s.code for s in plan.steps] + [plan.prelude]:
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Import):
                modules.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    dists = {"jupyter-mlops", "mlflow", "pandas", "numpy", "pyarrow", "joblib", "cloudpickle"}
    packages = module_distributions()
    local = {Path(p).parts[0].removesuffix(".py") for p in plan.local_modules}
    for module in modules - set(sys.stdlib_module_names) - local:
        found = packages.get(module)
        dists.add(_DISTRIBUTIONS.get(module) or (found[0] if found else module))
    pinned = []
    for dist in sorted(dists, key=str.lower):
        try:
            pinned.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pinned.append(dist)
    return pinned


def write_package(plan: Plan, root: Path, experiment: str) -> Path:
    """Write ``root/NAME/``; returns the package folder."""
    package = root / plan.name
    (package / "steps").mkdir(parents=True)
    (package / "__init__.py").write_text(_header(f"The '{plan.name}' pipeline.", plan), encoding="utf-8")
    (package / "steps" / "__init__.py").write_text("", encoding="utf-8")
    (package / "__main__.py").write_text(
        _header(f"python -m {plan.name} [--param NAME=VALUE] [--force]", plan)
        + "import sys\nfrom pathlib import Path\n\n"
        + "from jupyter_mlops.pipeline.runner.main import main\n\n"
        + f"sys.exit(main(Path(__file__).resolve().parent, prog='python -m {plan.name}'))\n",
        encoding="utf-8")
    (package / "shared.py").write_text(shared_source(plan), encoding="utf-8")
    for relative, text in plan.local_modules.items():  # local modules beside the notebook
        target = package / MODULES_DIR / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for step in plan.steps:
        (package / "steps" / f"{step.name}.py").write_text(step_source(step), encoding="utf-8")
    dump_spec(spec_dict(plan, experiment), package)
    export_contracts(plan, package)  # contracts.json + contracts/*.yaml (pipeline/contract_marks.py)
    (root / "requirements.txt").write_text("\n".join(requirements(plan)) + "\n", encoding="utf-8")
    return package


def render(plan: Plan, root: Path, experiment: str) -> list[str]:
    write_package(plan, root, experiment)
    (root / "README.md").write_text(
        f"# {plan.name}\n\nExported from `{plan.notebook}` by jupyter-mlops.\n\n"
        "```\npip install -r requirements.txt\n"
        f"python -m {plan.name} --help\npython -m {plan.name} --param NAME=VALUE   # --force ignores the cache\n```\n",
        encoding="utf-8")
    return [f"cd {root} && python -m {plan.name}"]
