"""Reading back what a run recorded about its contracts, from its tags (no store)."""

from __future__ import annotations

import json

from jupyter_mlops.core import names
from jupyter_mlops.core.contracts import recorded


def test_the_list_tag_names_each_check():
    tags = {names.EXPECTS: json.dumps([{"name": "train", "variable": "batch", "digest": "d1", "status": "failed"},
                                       {"name": "raw", "variable": "df", "digest": "d2", "status": "passed"}])}
    assert recorded.statuses(tags) == [
        {"name": "train", "variable": "batch", "digest": "d1", "status": "failed"},
        {"name": "raw", "variable": "df", "digest": "d2", "status": "passed"}]
    assert recorded.by_digest(tags) == {"d1": [{"name": "train", "status": "failed"}],
                                        "d2": [{"name": "raw", "status": "passed"}]}


def test_without_the_list_tag_the_per_contract_tags_answer():
    tags = {names.EXPECTS: "[{not json", names.EXPECT_TAG.format(name="train"): json.dumps(
        {"status": "passed", "variable": "batch", "digest": "d1", "violations": []}),
        names.EXPECT_TAG.format(name="cut"): "{", "mlops.other": "x"}
    assert recorded.statuses(tags) == [
        {"name": "cut", "variable": None, "digest": None, "status": "failed"},  # unreadable: not a pass
        {"name": "train", "variable": "batch", "digest": "d1", "status": "passed"}]


def test_a_run_without_checks_has_none():
    assert recorded.statuses({}) == [] and recorded.by_digest({names.EXPECTS: "{}"}) == {}
