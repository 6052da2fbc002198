"""Journal entries as types: they round-trip through JSON and merge the way the drainer needs."""

from __future__ import annotations

from jupyter_mlops.core.tracking import capture
from jupyter_mlops.core.tracking.records import (
    Entry,
    Environment,
    Metric,
    Outcome,
    RunEnd,
    RunStart,
    merge,
)


def test_entry_round_trips_through_json():
    entry = Entry(tags={"a": "1"}, params={"lr": "0.1"}, metrics=[Metric("loss", 0.5, 123, 2)],
                  datasets=[{"name": "X", "digest": "d"}], start=RunStart(1, "run", {"t": "v"}),
                  end=RunEnd("FINISHED", 2), environment=Environment("h", "3.11", "numpy==2"))
    assert Entry.from_json(entry.to_json()) == entry
    assert Entry().to_json() == {}


def test_merge_keeps_later_values_and_the_first_requirements():
    first = Entry(tags={"a": "1"}, start=RunStart(1, "r"), environment=Environment("h", "3.11", "reqs"))
    second = Entry(tags={"a": "2", "b": "3"}, metrics=[Metric("m", 1.0, 5)], environment=Environment("h", "3.11"))
    third = Entry(end=RunEnd("FAILED", 9))
    merged = merge([first, second, third])
    assert merged.tags == {"a": "2", "b": "3"}
    assert merged.start == RunStart(1, "r") and merged.end == RunEnd("FAILED", 9)
    assert merged.environment == Environment("h", "3.11", "reqs")
    assert merged.metrics == [Metric("m", 1.0, 5)]


def test_output_cut_keeps_no_fragment_of_a_token_that_straddles_the_cut():
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    filler = "x " * ((capture.MAX_OUTPUT_CHARS - 20) // 2)
    done = Outcome()
    done.output("stdout.txt", filler + token + " tail " * 50)
    kept = done.blobs["stdout.txt"].decode()
    assert "ghp_" not in kept and "A1b2" not in kept
    assert "more characters not kept" in kept
    assert len(kept) <= capture.MAX_OUTPUT_CHARS + 100


def test_error_tag_and_traceback_are_redacted():
    done = Outcome()
    try:
        raise RuntimeError("login failed for postgresql://bob:s3cr3t-pw@db/x")
    except RuntimeError as exc:
        done.error(exc)
    assert "s3cr3t-pw" not in done.entry.tags["mlops.error"]
    assert "s3cr3t-pw" not in done.blobs["mlops/traceback.txt"].decode()
