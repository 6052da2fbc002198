"""The exported package's ``pipeline.json``: steps, edges, params, and the code they run."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

SPEC_FILE = "pipeline.json"


@dataclass
class StepSpec:
    name: str
    file: str  # relative to the package folder
    inputs: dict[str, str]  # name -> producing step
    outputs: list[str]
    params: dict[str, object]  # name -> notebook value
    metrics: list[str]
    cell_index: int
    cell_id: str
    source_run_id: str | None = None
    experiment: str | None = None
    results: list[str] = field(default_factory=list)  # kept as artifacts; no step reads them
    after: list[str] = field(default_factory=list)  # steps it runs after (files, prev: tags)
    files_read: list[str] = field(default_factory=list)  # relative to the working folder
    files_written: list[str] = field(default_factory=list)

    @property
    def depends_on(self) -> list[str]:
        return sorted(set(self.inputs.values()) | set(self.after))


@dataclass
class PipelineSpec:
    name: str
    notebook: str
    experiment: str
    steps: list[StepSpec]
    folder: Path
    shared_file: str = "shared.py"
    workdir: str = ""  # the notebook's folder at export
    modules_dir: str | None = None  # local modules copied beside the steps
    extra: dict = field(default_factory=dict)

    def step(self, name: str) -> StepSpec:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no step named {name!r}; steps: {', '.join(s.name for s in self.steps)}")

    @property
    def params(self) -> dict[str, object]:
        """Every pipeline parameter with its first step's notebook value."""
        merged: dict[str, object] = {}
        for step in self.steps:
            for key, value in step.params.items():
                merged.setdefault(key, value)
        return merged

    def source(self, step: StepSpec) -> str:
        return (self.folder / step.file).read_text(encoding="utf-8")

    def shared_source(self) -> str:
        path = self.folder / self.shared_file
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def code_hash(self, step: StepSpec) -> str:
        """Changes when the step's file or the shared module changes."""
        digest = hashlib.sha256()
        for part in (self.shared_source(), self.source(step)):
            data = part.encode()
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()[:32]


def load_spec(folder: str | Path) -> PipelineSpec:
    folder = Path(folder).resolve()  # steps run in another folder (the notebook's)
    data = json.loads((folder / SPEC_FILE).read_text(encoding="utf-8"))
    steps = [StepSpec(**s) for s in data.pop("steps")]
    return PipelineSpec(name=data.pop("name"), notebook=data.pop("notebook"),
                        experiment=data.pop("experiment"), steps=steps, folder=folder,
                        shared_file=data.pop("shared_file", "shared.py"), workdir=data.pop("workdir", "") or "",
                        modules_dir=data.pop("modules_dir", None), extra=data)


def dump_spec(spec: dict, folder: Path) -> None:
    (folder / SPEC_FILE).write_text(json.dumps(spec, indent=2, sort_keys=False, default=str) + "\n",
                                    encoding="utf-8")
