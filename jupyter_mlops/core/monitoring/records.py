"""Prediction-log records as tables: one row per input row, with its prediction (and a
``contract`` column, "check:column; ...", when some request violated the deployment's contract).

MLflow's ``/invocations`` JSON formats are read back: ``dataframe_split``,
``dataframe_records``, ``instances`` and ``inputs`` (rows as dicts or lists, or columns as
a dict of lists); CSV bodies too.  Rows given as bare lists get the column names of the
reference profile (or of the model's signature) when the caller passes them.
"""

from __future__ import annotations

import io

META = ["time", "request", "version", "status", "latency_ms"]


def records_frame(records: list[dict], columns: list[str] | None = None, errors: bool = False):
    """A DataFrame with ``META`` columns, the input features and ``prediction``; failed
    requests (status not 200) only when ``errors``.  Rows are gathered as dicts and the
    frame is built once (a frame per request would cost milliseconds each)."""
    import pandas as pd

    gathered: list[dict] = []
    for number, record in enumerate(records):
        status = record.get("status")
        if status != 200 and not errors:
            continue
        try:
            rows = input_rows(record.get("in"), record.get("type", "json"), columns)
        except (ValueError, TypeError, KeyError, AttributeError):
            rows = [{}]
        predictions = parse_predictions(record.get("out")) if status == 200 else []
        meta = {"time": record.get("t"), "request": number, "version": record.get("version"), "status": status,
                "latency_ms": record.get("ms")}
        if isinstance(record.get("contract"), dict):  # the request violated the deployment's data contract
            meta["contract"] = "; ".join(f"{v.get('check')}:{v.get('column') or ''}"
                                         for v in record["contract"].get("violations") or [] if isinstance(v, dict))
        paired = len(predictions) == len(rows)
        for position, row in enumerate(rows or [{}]):
            entry = {**meta, **row}
            if paired:
                entry["prediction"] = predictions[position]
            gathered.append(entry)
    if not gathered:
        return pd.DataFrame(columns=META + list(columns or []) + ["prediction"])
    frame = pd.DataFrame.from_records(gathered)
    if "prediction" in frame.columns:  # last, after every feature
        frame = frame[[c for c in frame.columns if c != "prediction"] + ["prediction"]]
    frame["time"] = pd.to_datetime(frame["time"], unit="s")
    return frame


def input_rows(body, kind: str, columns: list[str] | None = None) -> list[dict]:
    """The input rows of one request body as dicts; ValueError when it is not one of
    MLflow's formats."""
    if kind == "csv" and isinstance(body, str):
        return parse_inputs(body, kind, columns).to_dict(orient="records")
    if not isinstance(body, dict):
        raise ValueError("not an MLflow request body")
    if "dataframe_split" in body:
        split = body["dataframe_split"]
        names = split.get("columns") or [str(i) for i in range(len(split["data"][0]) if split["data"] else 0)]
        return [dict(zip(names, row, strict=False)) for row in split["data"]]
    if "dataframe_records" in body:
        return list(body["dataframe_records"])
    for key in ("instances", "inputs"):
        if key in body:
            value = body[key]
            if isinstance(value, dict):  # columns: {"a": [..], "b": [..]}
                return [dict(zip(value, row, strict=False)) for row in zip(*value.values(), strict=False)]
            if value and isinstance(value[0], dict):
                return list(value)
            names = columns if columns and value and len(value[0]) == len(columns) else None
            return [dict(zip(names or [str(i) for i in range(len(row))], row, strict=False)) for row in value]
    raise ValueError("not an MLflow request body")


def parse_inputs(body, kind: str, columns: list[str] | None = None):
    """The input rows of one request body as a DataFrame; ValueError when it is not one
    of MLflow's formats."""
    import pandas as pd

    if kind == "csv" and isinstance(body, str):
        return pd.read_csv(io.StringIO(body))
    return pd.DataFrame(input_rows(body, kind, columns))


def parse_predictions(body) -> list:
    """The model's output for one request, one value per input row (the first column of
    a row's list or dict)."""
    if isinstance(body, dict):
        body = body.get("predictions", body.get("outputs"))
    if isinstance(body, dict):  # column-oriented outputs: the first column
        body = next(iter(body.values()), [])
    if not isinstance(body, list):
        return []
    return [_first(value) for value in body]


def _first(value):
    if isinstance(value, list):
        return value[0] if value else None
    if isinstance(value, dict):
        return next(iter(value.values()), None)
    return value
