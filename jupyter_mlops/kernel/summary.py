"""The compact run summary shown under a tracked cell."""

from __future__ import annotations

import html

_STATUS_COLOURS = {"FINISHED": "#1a7f37", "FAILED": "#cf222e", "KILLED": "#9a6700"}


def _rows(values: dict, limit: int = 12) -> str:
    items = list(values.items())
    shown = ", ".join(f"<code>{html.escape(str(k))}</code>={html.escape(_short(v))}" for k, v in items[:limit])
    if len(items) > limit:
        shown += f", … {len(items) - limit} more"
    return shown


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def summary_html(*, name: str, status: str, duration_s: float, params: dict, metrics: dict,
                 datasets: list[dict], experiment: str, link: str | None, note: str | None,
                 run_id: str | None = None) -> str:
    """The summary; the MLOps sidebar opens the run when it is clicked (by ``run_id`` when
    known, else by the experiment named in it and the cell it sits under)."""
    colour = _STATUS_COLOURS.get(status, "#57606a")
    lines = [
        f'<b>{html.escape(name)}</b> <span style="color:{colour};font-weight:600">{status}</span>'
        f" in {duration_s:.2f} s · experiment <code>{html.escape(experiment)}</code>"
    ]
    if params:
        lines.append("params: " + _rows(params))
    if metrics:
        lines.append("metrics: " + _rows(metrics))
    if datasets:
        shown = ", ".join(
            f"{html.escape(d['name'])} {'in' if d['role'] == 'input' else 'out'}·"
            f"{(d.get('digest') or '')[:8] or 'no fingerprint'}"
            for d in datasets[:8]
        )
        lines.append("data: " + shown)
    if link:
        lines.append(f'<a href="{html.escape(link)}" target="_blank" rel="noopener">open in MLflow</a>')
    if note:
        lines.append(f'<span style="color:#9a6700">{html.escape(note)}</span>')
    body = "<br>".join(lines)
    found = f' data-run-id="{html.escape(run_id)}"' if run_id else ""
    return (
        f'<div class="jp-mlops-run-summary" data-experiment="{html.escape(experiment)}"{found} '
        'title="Click to open this run in the MLOps sidebar" style="font-size:12px;cursor:pointer;'
        f'border-left:3px solid {colour};padding:2px 8px;margin:4px 0">{body}</div>'
    )


def summary_text(*, name: str, status: str, duration_s: float, params: dict, metrics: dict, **_) -> str:
    parts = [f"{name}: {status} in {duration_s:.2f} s"]
    if params:
        parts.append("params " + ", ".join(f"{k}={_short(v)}" for k, v in params.items()))
    if metrics:
        parts.append("metrics " + ", ".join(f"{k}={_short(v)}" for k, v in metrics.items()))
    return "; ".join(parts)
