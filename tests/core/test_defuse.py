"""Def/use of single cells: the facts step dependencies are built from."""

import ast

import pytest

from jupyter_mlops.core.tracking.defuse import analyse


def usage(source: str):
    return analyse(ast.parse(source))


@pytest.mark.parametrize("source, reads, binds", [
    ("x = a + b", {"a", "b"}, {"x"}),
    ("x += 1", {"x"}, {"x"}),
    ("a = 1\nb = a + 1", set(), {"a", "b"}),
    ("y = [i * k for i in data]", {"k", "data"}, {"y"}),
    ("def f(v):\n    return v * scale + helper(v)\nout = f(X)", {"scale", "helper", "X"}, {"f", "out"}),
    ("g = lambda v: v * factor", {"factor"}, {"g"}),
    ("def f():\n    return K\nK = 3\nf()", set(), {"f", "K"}),
    ("for i, row in enumerate(rows):\n    total = total + row", {"rows", "total"}, {"i", "row", "total"}),
    ("with open(path) as fh:\n    text = fh.read()", {"path"}, {"fh", "text"}),
    ("try:\n    v = int(s)\nexcept ValueError as e:\n    print(e)", {"s"}, {"v", "e"}),
    ("class A(Base):\n    size = n\n    def m(self):\n        return other", {"Base", "n", "other"}, {"A"}),
    ("import numpy as np\nfrom os import path as p", set(), {"np", "p"}),
    ("print(len(items))", {"items"}, set()),
])
def test_reads_and_binds(source, reads, binds):
    found = usage(source)
    assert found.reads == reads
    assert found.binds == binds


def test_del_reads_and_unbinds():
    found = usage("del tmp")
    assert found.reads == {"tmp"} and found.deletes == {"tmp"} and not found.binds


def test_attribute_subscript_and_method_mutation():
    found = usage("model.fit(X, y)\ndf['c'] = 1\nobj.attr.b = 2\nframe.drop(columns=['a'], inplace=True)\n"
                  "print(df.head())")
    assert found.mutates == {"model", "df", "obj", "frame"}
    assert {"model", "df", "obj", "frame", "X", "y"} <= found.reads


def test_display_only_methods_are_not_mutations():
    found = usage("df.head()")
    assert not found.mutates and found.last_is_display


def test_literals_and_imports_only():
    assert set(usage("lr = 0.1\nn = -3\nname = 'a'\nx = f(1)").literals) == {"lr", "n", "name"}
    assert usage("import os\nSEED = 1\ndef f():\n    pass").imports_only
    assert not usage("import os\ndf = load()").imports_only
