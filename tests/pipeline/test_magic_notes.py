"""Export reports and generated code show magics and shell lines as the user wrote them."""

from __future__ import annotations

from jupyter_mlops.pipeline.notebook import cells_from_json
from jupyter_mlops.pipeline.plan import build_plan

from .conftest import notebook_json


def _messages(cells):
    plan = build_plan(cells_from_json(notebook_json(cells)), "p", "nb.ipynb")
    return " | ".join(f.message for f in plan.findings)


def test_left_out_magics_read_as_written():
    text = _messages([
        "import numpy as np",
        "%%track --name prep\nx = np.arange(3)\n%register x --name m --alias champion\nfiles = !ls -la\n!pip list",
        "%%track --name use\ny = x + 1",
    ])
    assert "%register x --name m --alias champion" in text
    assert "files = !ls -la" in text
    assert "!pip list" in text
    assert "get_ipython()" not in text


def test_magic_with_a_computed_argument_keeps_the_python_form():
    # IPython expands {expr} in a magic line; what it generates is then not a plain string.
    text = _messages(["%%track --name a\nn = 3\n%timeit -n{n} sum(range(10))\nz = n"])
    assert "timeit" in text


def test_timing_options_are_dropped_with_the_magic():
    plan = build_plan(cells_from_json(notebook_json(["%%track --name a\nn = 3\n%timeit -n 5 -r 2 z = n + 1"])),
                      "p", "nb.ipynb")
    assert "ran without %timeit: z = n + 1" in " | ".join(f.message for f in plan.findings)
    assert "z = n + 1" in plan.steps[0].code
