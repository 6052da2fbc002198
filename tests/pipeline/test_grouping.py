"""How real notebooks become plans: unmarked notebooks, Kale and papermill tags, files as
edges, local modules and star imports, aliases, setup cells, the prelude (fast, no runs)."""

import ast
import json

import pytest

from jupyter_mlops.core.tracking.defuse import analyse
from jupyter_mlops.pipeline import export_notebook
from jupyter_mlops.pipeline.files import file_access
from jupyter_mlops.pipeline.notebook import cells_from_json
from jupyter_mlops.pipeline.plan import build_plan

from .conftest import notebook_json
from .patterns import PATTERNS


def plan_of(cells, folder=None):
    return build_plan(cells_from_json(notebook_json(cells)), "p", "nb.ipynb", folder)


def test_unmarked_notebook_every_working_cell_is_a_step():
    plan = plan_of([("markdown", "# Data"), "import pandas as pd", "df = pd.DataFrame({'a': [1, 2]})",
                    "df.head()", "df['a'].plot();", "df['b'] = df['a'] * 2", "print(df['b'].sum())",
                    "fig, ax = plt.subplots()\nax.plot(df['a'])"])
    assert plan.grouping["mode"] == "cells" and "no %%track" in plan.grouping["reason"]
    assert [s.name for s in plan.steps] == ["cell_3", "cell_6", "cell_7"]
    assert plan.step("cell_7").inputs == {"df": "cell_6"}
    left_out = {f.cell: f.message for f in plan.findings if f.kind == "excluded"}
    assert "display only" in left_out[3] and "plot" in left_out[4] and "plot" in left_out[7]


def test_kale_blocks_prev_and_tags():
    plan = plan_of([("import numpy as np", {"tags": ["imports"]}),
                    ("a = np.arange(3)", {"tags": ["block:first"]}), "a = a + 1",
                    ("b = 5", {"tags": ["block:second"]}),
                    ("c = b * 2\nprint(c)", {"tags": ["block:third", "prev:first"]}),
                    ("print('x')", {"tags": ["skip"]})])
    assert plan.grouping["mode"] == "kale"
    assert [c.index for c in plan.step("first").cells] == [1, 2]
    third = plan.step("third")
    assert third.inputs == {"b": "second"} and third.depends_on == ["first", "second"]
    assert any("Kale tag skip" in f.message for f in plan.findings)


def test_papermill_parameters_become_pipeline_parameters():
    plan = plan_of([("upstream = None\nn = 3", {"tags": ["parameters"]}),
                    "source = upstream or 'x'\nvalues = list(range(n))"])
    step = plan.steps[0]
    assert step.params == {"upstream": None, "n": 3} and step.inputs == {}


def test_files_written_and_read_are_edges():
    plan = plan_of(["import pandas as pd\nimport numpy as np\nOUT = 'data/clean.csv'",
                    "frame = pd.DataFrame({'a': [1]})\nframe.to_csv(OUT, index=False)",
                    "np.save('w.npy', np.ones(2))",
                    "again = pd.read_csv('data/clean.csv')\nprint(len(again))",
                    "print(np.load('w.npy').sum())",
                    "with open(f'{OUT}', 'a') as h:\n    h.write('x')",
                    "import mlflow\nmlflow.log_artifact('data/clean.csv')"])
    assert plan.step("cell_4").depends_on == ["cell_2"]
    assert plan.step("cell_5").depends_on == ["cell_3"]
    assert plan.step("cell_6").depends_on == ["cell_2", "cell_4"]  # writes after earlier readers
    assert plan.step("cell_7").depends_on == ["cell_6"]


def test_file_paths_known_and_unknown():
    access = file_access(ast.parse(
        "import os\nfrom pathlib import Path\nbase = 'in'\n"
        "a = pd.read_parquet(os.path.join(base, 'x.parquet'))\nPath('o') .joinpath('y')\n"
        "Path(base, 'notes.txt').write_text('hi')\njoblib.dump(m, f'{base}/m.joblib')\n"
        "b = pd.read_csv(name_from_somewhere)\nopen('log.txt', 'a+')\nplt.savefig('fig.png')"))
    assert access.reads == ["in/x.parquet"]
    assert access.writes == ["in/notes.txt", "in/m.joblib", "log.txt", "fig.png"]
    assert access.unknown_reads == [8]


def test_unknown_path_is_warned():
    plan = plan_of(["import pandas as pd", "name = input()\nframe = pd.read_csv(name)\nprint(frame)"])
    assert any(f.kind == "file" and "computed at run time" in f.message for f in plan.findings)


def test_star_import_of_a_local_module(tmp_path):
    (tmp_path / "helpers.py").write_text("import numpy as np\nfrom math import *\n\ndef f(x):\n    return x\n"
                                         "_private = 1\n")
    (tmp_path / "only.py").write_text("__all__ = ['g']\ndef g():\n    return 1\ndef h():\n    return 2\n")
    plan = plan_of(["%%track --name a\nfrom helpers import *\nfrom only import *\nx = np.array([f(pi), g()])",
                    "%%track --name b\ny = np.sqrt(x)"], tmp_path)
    assert not [f for f in plan.findings if f.kind == "hidden_state"], plan.findings
    assert plan.step("b").inputs == {"x": "a"}  # np comes from the prelude, never passed
    assert "from helpers import *" in plan.prelude
    assert set(plan.local_modules) == {"helpers.py", "only.py"}


def test_no_false_warnings_for_star_names_in_shared_cells(tmp_path):
    (tmp_path / "tools.py").write_text("import numpy as np\nimport pandas as pd\n")
    plan = plan_of(["from tools import *", "a = np.ones(3)", "print(pd.Series(a).sum())"], tmp_path)
    assert not [f for f in plan.findings if f.kind == "hidden_state"]


def test_loop_aliases_change_the_frames():
    usage = analyse(ast.parse("for d in [train, test]:\n    d['x'] = 1\n    d.fillna(0, inplace=True)"))
    assert usage.mutates == {"train", "test"} and {"train", "test"} <= usage.reads
    plan = plan_of(["import pandas as pd", "train = pd.DataFrame({'a': [1]})\ntest = train.copy()\n"
                    "combine = [train, test]",
                    "for ds in combine:\n    ds['b'] = 2", "print(train['b'].sum(), test['b'].sum())"])
    assert plan.step("cell_4").inputs == {"train": "cell_3", "test": "cell_3"}
    assert set(plan.step("cell_3").inputs) == {"combine", "train", "test"}


def test_setup_cells_run_before_every_step():
    plan = plan_of(["import numpy as np\nimport warnings\nnp.random.seed(0)\nwarnings.filterwarnings('ignore')",
                    "a = np.random.rand(3)\nprint(a)"])
    assert [c.index for c, _ in plan.shared] == [0] and [s.name for s in plan.steps] == ["cell_2"]


def test_side_effect_submodules_are_imported_up_front():
    plan = plan_of(["import matplotlib\nimport pandas as pd", "df = pd.DataFrame({'a': [1]})",
                    "df.hist();", "matplotlib.pyplot.close('all')\nprint(len(df))"])
    assert "'matplotlib.pyplot'" in plan.prelude


def test_writefile_and_its_import(tmp_path):
    plan = plan_of(["%%writefile tools.py\ndef twice(v):\n    return 2 * v",
                    "from tools import twice\nprint(twice(2))"], tmp_path)
    assert plan.step("cell_2").depends_on == ["cell_1"]
    assert "from tools import twice" not in plan.prelude


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_patterns_export_with_a_report(name, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    report = export_notebook(PATTERNS[name](folder), "python", tmp_path / "out", observe=False)
    data = report.as_dict()
    assert data["grouping"]["mode"] in ("cells", "marked", "kale") and data["workdir"] == str(folder)
    assert not [w for w in data["warnings"] if w["kind"] in ("hidden_state", "file")], data["warnings"]
    assert "Cells to steps" in report.format_text()
    spec = json.loads((tmp_path / "out" / report.name / "pipeline.json").read_text())
    assert spec["workdir"] == str(folder)


def test_last_value_is_shown_unless_the_line_ends_with_a_semicolon(tmp_path):
    from jupyter_mlops.pipeline.targets.package import step_source

    plan = plan_of(["import pandas as pd", "a = 2\na * 3", "b = a + 1\nb * 2;", "c = b\nprint(c)",
                    "d = c; d"])
    assert "display(_mlops_shown)" in step_source(plan.step("cell_2"))
    assert "_mlops_shown" not in step_source(plan.step("cell_3"))
    assert "_mlops_shown" not in step_source(plan.step("cell_4"))
    assert "_mlops_shown" not in step_source(plan.step("cell_5"))
