"""Where steps run, and what they import before any of them starts.

Steps run in the notebook's folder (recorded at export; ``--workdir`` or
``JUPYTER_MLOPS_WORKDIR`` overrides it), so ``pd.read_csv("data/train.csv")`` resolves as
it did in the notebook and files one step writes are where the next reads them.  The
copies of the notebook's local modules come first on ``sys.path``, then that folder.

Python's import lock is per module: two threads importing modules of one package that
import each other (``sklearn.feature_extraction`` and ``sklearn.feature_extraction.text``)
can deadlock (``_DeadlockError``).  ``preimport`` imports every module the steps name, in
the calling thread, before the steps start, so their own imports find them done.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .spec import PipelineSpec, StepSpec

ENV = "JUPYTER_MLOPS_WORKDIR"


def resolve(spec: PipelineSpec, override: str | None = None) -> Path:
    chosen = override or os.environ.get(ENV) or spec.workdir
    if chosen and Path(chosen).is_dir():
        return Path(chosen).resolve()
    if override or os.environ.get(ENV):
        raise ValueError(f"working folder {chosen} does not exist; give an existing folder with --workdir")
    return Path.cwd()  # the notebook's folder is not on this machine: run where we are


@contextmanager
def entered(spec: PipelineSpec, override: str | None = None) -> Iterator[Path]:
    """chdir to the working folder and put the local modules on sys.path, for the duration."""
    folder = resolve(spec, override)
    paths = [str(folder)]
    if spec.modules_dir:
        paths.insert(0, str(spec.folder / spec.modules_dir))
    previous = os.getcwd()
    added = [p for p in paths if p not in sys.path]
    sys.path[:0] = added
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)
        for path in added:
            if path in sys.path:
                sys.path.remove(path)


def _modules(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[str] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue  # imported only if called: the step's own business
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level and node.module != "__future__":
            found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
        else:
            stack.extend(ast.iter_child_nodes(node))
    return found


def preimport(spec: PipelineSpec, steps: list[StepSpec] | None = None) -> None:
    """Import what the shared code and the steps import, here and now (errors are the
    steps' to report)."""
    sources = [spec.shared_source()] + [spec.source(s) for s in (steps or spec.steps)]
    seen: set[str] = set()
    for source in sources:
        for module in _modules(source):
            if module in seen:
                continue
            seen.add(module)
            parent = module.rpartition(".")[0]
            if parent and parent in seen and parent not in sys.modules:
                continue  # its package failed to import
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - `from pkg import name` is not a module, or it fails later
                pass


def file_digests(step: StepSpec) -> dict[str, str | None]:
    """Content digests of the files a step reads (None when absent), for its cache key."""
    out: dict[str, str | None] = {}
    for path in step.files_read:
        digest = hashlib.blake2b(digest_size=16)
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            out[path] = None
            continue
        out[path] = digest.hexdigest()
    return out
