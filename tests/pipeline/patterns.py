"""Notebooks written here that show what real notebooks do, each in a folder of its own
with its data files and helper modules.  Each prints the values a pipeline must reproduce.

``PATTERNS`` maps a name to a builder ``(folder) -> notebook path``.
"""

from __future__ import annotations

import json
from pathlib import Path


def write_notebook(path: Path, cells: list) -> Path:
    """cells: source strings (code), ("markdown", text), or (source, [tags])."""
    out = []
    for i, cell in enumerate(cells):
        tags: list[str] = []
        kind = "code"
        if isinstance(cell, tuple) and cell[0] == "markdown":
            kind, source = "markdown", cell[1]
        elif isinstance(cell, tuple):
            source, tags = cell
        else:
            source = cell
        entry = {"cell_type": kind, "id": f"p{i}", "metadata": {"tags": tags} if tags else {}, "source": source}
        if kind == "code":
            entry.update(outputs=[], execution_count=None)
        out.append(entry)
    nb = {"cells": out, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                    "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def _csv(path: Path, rows: int = 60, seed: int = 0) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    age = rng.integers(1, 80, rows).astype(float)
    age[::7] = np.nan
    frame = pd.DataFrame({"age": age, "fare": rng.normal(30, 10, rows).round(2),
                          "sex": rng.choice(["male", "female"], rows), "survived": rng.integers(0, 2, rows)})
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def relative_paths_no_marks(folder: Path) -> Path:
    """No marks at all; data read through a relative path; a display cell; a plot."""
    _csv(folder / "data" / "train.csv")
    return write_notebook(folder / "titanic.ipynb", [
        ("markdown", "# Load"),
        "import pandas as pd\nimport numpy as np",
        "df = pd.read_csv('data/train.csv')",
        "df.head()",
        "df['fare'].plot();",
        "df['age'] = df['age'].fillna(df['age'].median())\nprint('mean age', round(df['age'].mean(), 4))",
        "from sklearn.linear_model import LogisticRegression\n"
        "X = df[['age', 'fare']].to_numpy()\ny = df['survived'].to_numpy()\n"
        "model = LogisticRegression(max_iter=200).fit(X, y)",
        "accuracy = float(model.score(X, y))\nprint(f'accuracy={accuracy:.6f}')",
    ])


def star_helper_tracked_imports(folder: Path) -> Path:
    """A helper module beside the notebook imported with *; imports inside %%track cells."""
    (folder / "helpers.py").write_text(
        "import numpy as np\nimport pandas as pd\n\n\ndef scaled(values):\n"
        "    values = np.asarray(values, dtype=float)\n    return (values - values.mean()) / values.std()\n",
        encoding="utf-8")
    (folder / "mylib").mkdir()
    (folder / "mylib" / "__init__.py").write_text("from .core import total\n", encoding="utf-8")
    (folder / "mylib" / "core.py").write_text("def total(values):\n    return float(sum(values))\n",
                                             encoding="utf-8")
    return write_notebook(folder / "helpers_nb.ipynb", [
        "%load_ext jupyter_mlops",
        "%%track --name load\nfrom helpers import *\nraw = np.arange(10) ** 2",
        "%%track --name scale\nz = scaled(raw)\nprint('z0', round(float(z[0]), 6))",
        "%%track --name frame\nimport json\nfrom mylib import total\n"
        "frame = pd.DataFrame({'z': z})\nprint('total', round(total(frame['z'] + 3), 6))\n"
        "print(json.dumps({'n': len(frame)}))",
    ])


def files_between_cells(folder: Path) -> Path:
    """Files written in one cell and read in another (pandas, numpy, joblib, open, Path)."""
    _csv(folder / "raw.csv", seed=1)
    return write_notebook(folder / "files.ipynb", [
        "import time\nimport joblib\nimport numpy as np\nimport pandas as pd\nfrom pathlib import Path",
        "time.sleep(1.0)\nclean = pd.read_csv('raw.csv').dropna()\nclean.to_csv('clean.csv', index=False)\n"
        "np.save('weights.npy', np.linspace(0, 1, 5))\njoblib.dump({'k': 3}, 'settings.joblib')\n"
        "with open('notes.txt', 'w') as handle:\n    handle.write('rows ' + str(len(clean)))\n"
        "Path('flag.txt').write_text('ok')",
        "again = pd.read_csv('clean.csv')\nprint('rows', len(again))",
        "weights = np.load('weights.npy')\nprint('weights', weights.sum())",
        "settings = joblib.load('settings.joblib')\nprint('k', settings['k'])",
        "print(open('notes.txt').read(), Path('flag.txt').read_text())",
    ])


def sklearn_submodules_in_parallel(folder: Path) -> Path:
    """Two independent cells importing sklearn submodules that import each other."""
    return write_notebook(folder / "vectorizers.ipynb", [
        "from sklearn.feature_extraction import DictVectorizer\n"
        "dv = DictVectorizer(sparse=False).fit([{'a': 1}, {'b': 2}])\nprint('dict features', len(dv.feature_names_))",
        "from sklearn.feature_extraction.text import CountVectorizer\n"
        "cv = CountVectorizer().fit(['a cat', 'a dog and a cat'])\nprint('words', len(cv.vocabulary_))",
    ])


def magics_and_semicolons(folder: Path) -> Path:
    """%%file, %timeit, !pip, %matplotlib, a trailing ;"""
    return write_notebook(folder / "magics.ipynb", [
        "!pip --version",
        "%matplotlib inline\nimport json",
        "%%writefile config.json\n{\"factor\": 3}",
        "%%file tools.py\ndef triple(x):\n    return 3 * x",
        "config = json.load(open('config.json'))\nfactor = config['factor'];",
        "%timeit -n 1 -r 1 sum(range(10))\nfrom tools import triple\nvalue = triple(factor) + 1;",
        "print('value', value);",
    ])


def papermill_none_parameters(folder: Path) -> Path:
    """A papermill parameters cell with a None default and a list."""
    return write_notebook(folder / "params.ipynb", [
        ("upstream = None\nn_rows = 4\ncolumns = ['a', 'b']", ["parameters"]),
        "import pandas as pd\n",
        "source = 'generated' if upstream is None else upstream\n"
        "frame = pd.DataFrame({c: range(n_rows) for c in columns})",
        "print('source', source, 'shape', frame.shape, 'sum', int(frame.to_numpy().sum()))",
    ])


def kale_tags(folder: Path) -> Path:
    """Kale: imports, block:NAME with untagged continuation cells, prev:NAME, skip, metrics."""
    return write_notebook(folder / "kale.ipynb", [
        ("import numpy as np", ["imports"]),
        ("def square(v):\n    return v * v", ["functions"]),
        ("data = np.arange(6)", ["block:load"]),
        "data = data + 1",
        ("print('debug only')", ["skip"]),
        ("squares = square(data)\nprint('squares', squares.tolist())", ["block:transform", "prev:load"]),
        ("total = float(squares.sum())\nprint('total', total)", ["block:summary", "prev:transform"]),
        ("total", ["pipeline-metrics"]),
    ])


def spaces_aliases_submodules(folder: Path) -> Path:
    """A notebook and a data file with spaces in their names; frames changed through a list
    of aliases; matplotlib.pyplot used after pandas imported it (df.hist())."""
    _csv(folder / "raw data" / "train set.csv", seed=2)
    _csv(folder / "raw data" / "test set.csv", seed=3)
    return write_notebook(folder / "My Analysis.ipynb", [
        "import matplotlib\nmatplotlib.use('Agg')\nimport pandas as pd",
        "train = pd.read_csv('raw data/train set.csv')\ntest = pd.read_csv('raw data/test set.csv')\n"
        "combine = [train, test]",
        "train.hist();",
        "for dataset in combine:\n    dataset['age'] = dataset['age'].fillna(30.0)\n"
        "for frame in [train, test]:\n    frame['band'] = (frame['age'] // 20)",
        "train['age'] = train['age'].astype(int)\ntest['age'] = test['age'].astype(int)\n"
        "print('ages', int(train['age'].sum()), int(test['age'].sum()), int(train['band'].max()))",
        "figure = matplotlib.pyplot.figure()\nmatplotlib.pyplot.close(figure)\nprint('figures closed', 1)",
    ])


PATTERNS = {
    "relative_paths_no_marks": relative_paths_no_marks,
    "star_helper_tracked_imports": star_helper_tracked_imports,
    "files_between_cells": files_between_cells,
    "sklearn_submodules_in_parallel": sklearn_submodules_in_parallel,
    "magics_and_semicolons": magics_and_semicolons,
    "papermill_none_parameters": papermill_none_parameters,
    "kale_tags": kale_tags,
    "spaces_aliases_submodules": spaces_aliases_submodules,
}


def notebook_output(notebook: Path, env: dict | None = None, timeout: int = 180) -> list[str]:
    """Run the notebook with nbclient in its folder; its printed lines (stdout streams)."""
    import os

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(notebook.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    lines = []
    for cell in nb.cells:
        source = cell.get("source", "")
        skipped = "skip" in cell.get("metadata", {}).get("tags", [])
        shell = any(line.startswith(("!", "%timeit")) for line in source.split("\n"))
        if skipped or shell or source.startswith(("%%writefile", "%%file")):
            continue  # shell lines, %timeit and %%writefile print what no pipeline prints
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                lines += [line for line in output["text"].splitlines() if line.strip()]
    return lines
