"""The prediction log: durable lines, rotation, retention, torn lines, records as rows."""

from __future__ import annotations

import json
import os
import time

import pandas as pd

from jupyter_mlops.core.monitoring.predlog import PredictionLog, read_records, record_line, segments
from jupyter_mlops.core.monitoring.records import parse_inputs, records_frame


def body(rows: list[list[float]]) -> bytes:
    return json.dumps({"dataframe_split": {"columns": ["a", "b"], "data": rows}}, indent=1).encode()


def test_records_round_trip_with_line_breaks_csv_and_errors(tmp_path):
    log = PredictionLog(tmp_path)
    log.append(record_line(time.time(), 1.5, 200, "3", "application/json", body([[1, 2], [3, 4]]),
                           b'{"predictions": [0, 1]}'))
    log.append(record_line(time.time(), 0.7, 400, "3", "application/json", b'{"oops\n', b'{"error_code": "BAD"}'))
    log.append(record_line(time.time(), 0.9, 200, "3", "text/csv", b"a,b\n5,6\n", b'{"predictions": [1]}'))
    records = read_records(tmp_path)
    assert [r["status"] for r in records] == [200, 400, 200]
    assert records[1]["in"] == '{"oops\n'  # kept as text, not parsed
    frame = records_frame(records)
    assert frame[["a", "b", "prediction"]].values.tolist() == [[1, 2, 0], [3, 4, 1], [5, 6, 1]]
    assert list(frame.columns[:5]) == ["time", "request", "version", "status", "latency_ms"]
    assert len(records_frame(records, errors=True)) == 4


def test_a_torn_last_line_is_skipped(tmp_path):
    log = PredictionLog(tmp_path)
    log.append(record_line(time.time(), 1.0, 200, "1", "application/json", body([[1, 2]]), b'{"predictions": [0]}'))
    with open(log.path, "ab") as raw:  # a kill in the middle of a write
        raw.write(b'{"t": 1, "ms": 2, "sta')
    assert len(read_records(tmp_path)) == 1


def test_rotation_by_size_and_age_and_retention(tmp_path):
    rotated = []
    log = PredictionLog(tmp_path, segment_bytes=600, retention_bytes=10_000, on_rotate=rotated.append)
    line = record_line(time.time(), 1.0, 200, "1", "application/json", body([[1, 2]]), b'{"predictions": [0]}')
    for _ in range(20):
        log.append(line)
    assert len(segments(tmp_path)) > 3 and len(read_records(tmp_path)) == 20
    deadline = time.time() + 5
    while len(rotated) < len(segments(tmp_path)) - 1 and time.time() < deadline:
        time.sleep(0.05)  # uploads run on threads
    assert sorted(rotated) == segments(tmp_path)[:-1]
    # retention by size keeps the newest segments
    small = PredictionLog(tmp_path / "small", segment_bytes=600, retention_bytes=1500)
    for _ in range(40):
        small.append(line)
    kept = segments(tmp_path / "small")
    assert sum(p.stat().st_size for p in kept) <= 1500 + 600 and len(read_records(tmp_path / "small")) < 40
    # retention by age, rotation by age
    aged = PredictionLog(tmp_path / "aged", segment_seconds=0.0, retention_seconds=60)
    aged.append(line)
    aged.append(line)  # the first segment is old enough: a new one starts
    first = segments(tmp_path / "aged")[0]
    os.utime(first, (time.time() - 3600, time.time() - 3600))
    assert aged.prune() == [first] and len(read_records(tmp_path / "aged")) == 1


def test_since_and_limit(tmp_path):
    log = PredictionLog(tmp_path)
    now = time.time()
    for age in (7200, 1800, 60):
        log.append(record_line(now - age, 1.0, 200, "1", "application/json", body([[age, 0]]),
                               b'{"predictions": [0]}'))
    assert [r["in"]["dataframe_split"]["data"][0][0] for r in read_records(tmp_path, since=now - 3600)] == [1800, 60]
    assert len(read_records(tmp_path, limit=1)) == 1


def test_every_mlflow_input_format():
    columns = ["a", "b"]
    expected = pd.DataFrame({"a": [1, 3], "b": [2, 4]})
    for request in ({"dataframe_records": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]},
                    {"instances": [[1, 2], [3, 4]]}, {"inputs": {"a": [1, 3], "b": [2, 4]}},
                    {"inputs": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}):
        pd.testing.assert_frame_equal(parse_inputs(request, "json", columns), expected)
