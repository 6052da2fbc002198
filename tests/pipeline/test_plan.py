"""Cells -> steps: classification, edges, parameters, and the report's warnings."""

from jupyter_mlops.pipeline import checks
from jupyter_mlops.pipeline.notebook import cells_from_json
from jupyter_mlops.pipeline.plan import build_plan

from .conftest import notebook_json


def plan_of(cells, execution_counts=None):
    plan = build_plan(cells_from_json(notebook_json(cells, execution_counts)), "p", "nb.ipynb")
    plan.findings += checks.execution_order(plan) + checks.unpassable(plan)
    return plan


def kinds(plan, kind):
    return [f for f in plan.findings if f.kind == kind]


def test_steps_shared_and_excluded():
    plan = plan_of([
        ("markdown", "# title"),
        "import numpy as np\nSEED = 0\ndef double(v):\n    return v * 2",
        "%%track --name load -p size=10\ndata = np.arange(size)",
        "data[:3]",
        "%%track --name train --metric total\nscale = 2\ntotal = float(double(data).sum() * scale)",
        ("result = total + 1", {"tags": ["step:finish"]}),
    ])
    assert [s.name for s in plan.steps] == ["load", "train", "finish"]
    assert [c.index for c, _ in plan.shared] == [1]
    load, train, finish = plan.steps
    assert load.params == {"size": 10}
    assert train.inputs == {"data": "load"} and train.params == {"scale": 2} and train.metrics == ["total"]
    assert finish.inputs == {"total": "train"}
    assert load.outputs == ["data"] and train.outputs == ["total"]
    excluded = kinds(plan, "excluded")
    assert len(excluded) == 1 and excluded[0].cell == 3 and "display only" in excluded[0].message


def test_untracked_cell_a_step_needs_becomes_a_step():
    plan = plan_of(["raw = [1, 2, 3]\nclean = [v for v in raw if v > 1]",
                    "%%track --name use\nn = len(clean)",
                    "unused = len(raw)"])
    assert [s.name for s in plan.steps] == ["cell_1", "use"]
    assert plan.step("use").inputs == {"clean": "cell_1"}
    assert kinds(plan, "implicit_step")
    assert any("unused" in f.message for f in kinds(plan, "excluded"))


def test_mutation_makes_a_new_version():
    plan = plan_of(["%%track --name make\nitems = []",
                    "%%track --name grow\nitems.append(1)",
                    "%%track --name use\nn = len(items)"])
    assert plan.step("grow").inputs == {"items": "make"}
    assert plan.step("use").inputs == {"items": "grow"}


def test_function_globals_are_dependencies():
    plan = plan_of(["def total():\n    return sum(values)",
                    "%%track --name make\nvalues = [1, 2]",
                    "%%track --name use\nt = total()"])
    assert plan.step("use").inputs == {"values": "make"}


def test_independent_steps_have_no_edge():
    plan = plan_of(["%%track --name a\nx = 1", "%%track --name b\ny = 2", "%%track --name c\nz = x + y"])
    assert plan.step("a").inputs == {} and plan.step("b").inputs == {}
    assert plan.step("c").depends_on == ["a", "b"]


def test_hidden_state_names_no_cell_defines():
    plan = plan_of(["%%track --name use\ny = ghost * 2"])
    found = kinds(plan, "hidden_state")
    assert found and "ghost" in found[0].message and "cell 1" in found[0].message


def test_read_before_write_is_out_of_order():
    plan = plan_of(["%%track --name early\ny = x + 1", "%%track --name late\nx = 1"])
    assert plan.step("early").inputs == {"x": "late"}
    assert [s.name for s in plan.steps] == ["late", "early"]
    assert any("before" in f.message for f in kinds(plan, "out_of_order"))


def test_execution_counts_out_of_order():
    plan = plan_of(["%%track --name a\nx = 1", "%%track --name b\ny = x"], execution_counts=[5, 2])
    assert any("execution count 2" in f.message for f in kinds(plan, "out_of_order"))


def test_deleted_name_is_reported():
    plan = plan_of(["%%track --name a\nx = 1", "%%track --name b\ndel x", "%%track --name c\ny = x"])
    assert any("deletes" in f.message for f in kinds(plan, "hidden_state"))


def test_unpassable_outputs_are_reported():
    plan = plan_of(["%%track --name a\nfh = open('f.txt')\ngen = (i for i in range(3))",
                    "%%track --name b\ntext = fh.read()\nitems = list(gen)"])
    messages = " ".join(f.message for f in kinds(plan, "unpassable"))
    assert "'fh'" in messages and "'gen'" in messages and "open()" in messages


def test_magics_and_shell_lines_are_handled():
    plan = plan_of(["%matplotlib inline", "!pip install nothing",
                    "%%track --name a\n%time x = sum(range(3))\n!echo hi\nfiles = !ls",
                    "%%bash\necho hi", "%%track --name b\ny = x * 2"])
    assert [s.name for s in plan.steps] == ["a", "b"]
    code = plan.step("a").code
    assert "x = sum(range(3))" in code and "get_ipython" not in code.split("#")[0]
    messages = " ".join(f.message for f in plan.findings)
    assert "%%bash" in messages and "shell line" in messages and "ran without %time" in messages


def test_unknown_track_options_are_ignored():
    plan = plan_of(["%%track --name a --quiet --no-data -m x\nx = 1"])
    assert plan.steps[0].name == "a" and plan.steps[0].metrics == ["x"]
