"""What an export did: steps, shared cells, what was left out and why, and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from .plan import Finding, Plan

# Findings that are warnings (the user should act); the rest are information.
WARNING_KINDS = {"hidden_state", "out_of_order", "unpassable", "observed", "edited", "magic", "file"}


@dataclass
class ExportReport:
    name: str
    target: str
    notebook: str
    out: str
    steps: list[dict] = field(default_factory=list)
    shared_cells: list[int] = field(default_factory=list)  # 0-based indexes
    params: dict[str, object] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)  # commands to run the result
    seconds: float = 0.0
    grouping: dict = field(default_factory=dict)  # {"mode", "reason"}: how cells became steps
    workdir: str = ""  # where the steps run (relative paths resolve there)
    external_files: list[str] = field(default_factory=list)  # read, not in the output
    local_modules: list[str] = field(default_factory=list)  # copied into the output

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.kind in WARNING_KINDS]

    @property
    def excluded(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "excluded"]

    def as_dict(self) -> dict:
        return {
            "name": self.name, "target": self.target, "notebook": self.notebook, "out": self.out,
            "steps": self.steps, "shared_cells": self.shared_cells, "params": self.params,
            "excluded": [f.as_dict() for f in self.excluded],
            "warnings": [f.as_dict() for f in self.warnings],
            "findings": [f.as_dict() for f in self.findings],
            "next_steps": self.next_steps, "seconds": round(self.seconds, 3),
            "grouping": self.grouping, "workdir": self.workdir, "external_files": self.external_files,
            "local_modules": self.local_modules,
        }

    def format_text(self) -> str:
        lines = [(f"Exported {self.notebook} as {self.target} pipeline '{self.name}' to {self.out} "
                 f"({len(self.steps)} step(s), {self.seconds:.2f}s).")]
        if self.grouping:
            lines.append(f"Cells to steps ({self.grouping['mode']}): {self.grouping['reason']}.")
        for step in self.steps:
            after = f" after {', '.join(step['depends_on'])}" if step["depends_on"] else ""
            cells = ", ".join(str(i + 1) for i in step.get("cells", [step["cell"]]))
            why = f": {step['why']}" if step.get("why") else ""
            lines.append(f"  step {step['name']} (cell {cells}){after}{why}")
        if self.shared_cells:
            lines.append("  shared module: cells " + ", ".join(str(i + 1) for i in self.shared_cells))
        if self.params:
            lines.append("  parameters: " + ", ".join(f"{k}={v!r}" for k, v in self.params.items()))
        if self.workdir:
            lines.append(f"  steps run in {self.workdir} (override: --workdir)")
        if self.local_modules:
            lines.append("  local modules copied: " + ", ".join(self.local_modules))
        if self.external_files:
            lines.append("  files read from the working folder, not in the output: " + ", ".join(self.external_files))
        if self.excluded:
            lines.append("Left out:")
            lines.extend(f"  - {f.message}" for f in self.excluded)
        if self.warnings:
            lines.append("Warnings:")
            lines.extend(f"  - {f.message}" for f in self.warnings)
        if self.next_steps:
            lines.append("Run it:")
            lines.extend(f"  {cmd}" for cmd in self.next_steps)
        return "\n".join(lines)


def build_report(plan: Plan, target: str, out: str) -> ExportReport:
    params: dict[str, object] = {}
    for step in plan.steps:
        for key, value in step.params.items():
            params.setdefault(key, value)
    return ExportReport(
        name=plan.name, target=target, notebook=plan.notebook, out=out,
        steps=[{"name": s.name, "cell": s.cell.index, "cell_id": s.cell.id, "depends_on": s.depends_on,
                "inputs": s.inputs, "outputs": s.outputs, "params": s.params, "metrics": s.metrics,
                "implicit": s.implicit, "source_run_id": s.source_run_id,
                "cells": [c.index for c in s.cells] or [s.cell.index], "why": s.why,
                "files_read": s.files_read, "files_written": s.files_written} for s in plan.steps],
        shared_cells=[cell.index for cell, _ in plan.shared],
        params=params,
        findings=list(plan.findings),
        grouping=plan.grouping, workdir=plan.workdir, external_files=list(plan.external_files),
        local_modules=sorted(plan.local_modules),
    )
