"""Draw a lineage graph (core.lineage JSON) in the notebook: a layered SVG, left to right.

Layers are longest paths from the sources, so data flows left to right; nodes within a
layer are ordered by the mean position of their parents (one barycenter pass), which
keeps chains straight.  Big graphs are cut to the nodes nearest the root.
"""

from __future__ import annotations

import html
from collections import defaultdict, deque

MAX_NODES = 150
COLORS = {
    "dataset": "#e3f2fd", "run": "#fff3e0", "logged_model": "#f3e5f5", "model_version": "#e8f5e9",
    "registered_model": "#c8e6c9", "alias": "#fffde7", "deployment": "#eceff1",
}
STATUS_COLORS = {"healthy": "#2e7d32", "running": "#2e7d32", "unhealthy": "#ef6c00", "stopped": "#c62828",
                 "FAILED": "#c62828", "KILLED": "#c62828"}
W, H, GAP_X, GAP_Y = 170, 44, 40, 16
MIN_SCALE = 0.7  # narrower than this scrolls: smaller text is hard to read


def nearest(graph: dict, limit: int = MAX_NODES) -> tuple[list[dict], list[dict]]:
    """The ``limit`` nodes closest to the root (edges taken both ways) and their edges."""
    nodes = {n["id"]: n for n in graph["nodes"]}
    if len(nodes) <= limit:
        return graph["nodes"], graph["edges"]
    neighbours = defaultdict(list)
    for e in graph["edges"]:
        neighbours[e["source"]].append(e["target"])
        neighbours[e["target"]].append(e["source"])
    root = graph["root"]["id"]
    start = root if root in nodes else next(iter(nodes))
    keep, queue = {start: 0}, deque([start])
    while queue and len(keep) < limit:
        current = queue.popleft()
        for other in neighbours[current]:
            if other not in keep and len(keep) < limit:
                keep[other] = keep[current] + 1
                queue.append(other)
    return ([nodes[n] for n in keep], [e for e in graph["edges"] if e["source"] in keep and e["target"] in keep])


def layout(nodes: list[dict], edges: list[dict]) -> dict[str, tuple[float, float]]:
    drawn = [e for e in edges if e["kind"] != "feeds"]  # feeds edges skip over the dataset between
    parents = defaultdict(list)
    for e in drawn:
        parents[e["target"]].append(e["source"])
    layer: dict[str, int] = {}

    def depth(node: str, visiting: frozenset = frozenset()) -> int:
        if node in layer:
            return layer[node]
        if node in visiting:
            return 0
        ps = [p for p in parents[node] if p != node]
        layer[node] = 1 + max((depth(p, visiting | {node}) for p in ps), default=-1)
        return layer[node]

    for n in nodes:  # recursion depth is bounded by MAX_NODES (see nearest())
        depth(n["id"])
    columns: dict[int, list[str]] = defaultdict(list)
    for n in nodes:
        columns[layer[n["id"]]].append(n["id"])
    position: dict[str, tuple[float, float]] = {}
    for col in sorted(columns):
        ids = columns[col]

        def barycenter(node: str) -> float:
            ys = [position[p][1] for p in parents[node] if p in position]
            return sum(ys) / len(ys) if ys else 0.0

        ids.sort(key=barycenter)
        for row, node in enumerate(ids):
            position[node] = (col * (W + GAP_X) + 10, row * (H + GAP_Y) + 10)
    return position


def lineage_html(graph: dict) -> str:
    nodes, edges = nearest(graph)
    if not nodes:
        return "<p>No lineage recorded.</p>"
    pos = layout(nodes, edges)
    width = max(x for x, _ in pos.values()) + W + 20
    height = max(y for _, y in pos.values()) + H + 20
    # JupyterLab's output styles cap an <svg> at the output's width (height auto); without a
    # viewBox that clips the drawing.  With one, and the size stated here, a graph that fits
    # is drawn whole, shrunk at most to MIN_SCALE; a wider one scrolls.
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" preserveAspectRatio="xMinYMin meet" '
           f'style="display:block;width:100%;height:auto;max-width:{width:.0f}px;'
           f'min-width:{width * MIN_SCALE:.0f}px" font-family="sans-serif" font-size="11">')
    arrow = ('<defs><marker id="mlops-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker></defs>')
    parts = [svg, arrow]
    for e in edges:
        if e["kind"] == "feeds" or e["source"] not in pos or e["target"] not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
        parts.append(f'<line x1="{x1 + W:.0f}" y1="{y1 + H / 2:.0f}" x2="{x2:.0f}" y2="{y2 + H / 2:.0f}" '
                     f'stroke="#888" marker-end="url(#mlops-arrow)"><title>{e["kind"]}</title></line>')
    for n in nodes:
        x, y = pos[n["id"]]
        status = n.get("status")
        stroke = STATUS_COLORS.get(status, "#90a4ae")
        label = html.escape(_short(n["label"], 26))
        detail = html.escape(_short(_detail(n), 30))
        tooltip = html.escape(f'{n["kind"]}: {n["id"]}')
        parts.append(f'<g><title>{tooltip}</title><rect x="{x:.0f}" y="{y:.0f}" width="{W}" height="{H}" rx="6" '
                     f'fill="{COLORS.get(n["kind"], "#fff")}" stroke="{stroke}" stroke-width="1.5"/>'
                     f'<text x="{x + 8:.0f}" y="{y + 17:.0f}" font-weight="bold">{label}</text>'
                     f'<text x="{x + 8:.0f}" y="{y + 33:.0f}" fill="#555">{detail}</text></g>')
    parts.append("</svg>")
    note = ""
    if len(nodes) < len(graph["nodes"]) or graph.get("truncated"):
        note = (f"<p>Showing {len(nodes)} of {len(graph['nodes'])} nodes nearest the root"
                f"{' (history truncated)' if graph.get('truncated') else ''}; `%lineage --json` has all.</p>")
    # A graph wider than the output opens scrolled to the right end, where the model and its
    # deployments are.
    return ('<div class="jp-mlops-lineage-inline" style="overflow:auto;max-height:640px;direction:rtl">'
            f'<div style="direction:ltr">{"".join(parts)}</div></div>{note}')


def lineage_text(graph: dict) -> str:
    counts = defaultdict(int)
    for n in graph["nodes"]:
        counts[n["kind"]] += 1
    lines = [f"lineage of {graph['root'].get('id')}: " + ", ".join(f"{v} {k}" for k, v in counts.items())]
    labels = {n["id"]: n["label"] for n in graph["nodes"]}
    for e in graph["edges"][:200]:
        if e["kind"] != "feeds":
            source, target = labels.get(e["source"], e["source"]), labels.get(e["target"], e["target"])
            lines.append(f"  {source} -[{e['kind']}]-> {target}")
    return "\n".join(lines)


def _detail(node: dict) -> str:
    kind = node["kind"]
    if kind == "dataset":
        return node["digest"][:12]
    if kind == "run":
        return f'{node.get("status", "")} {node["run_id"][:8]}'
    if kind == "model_version":
        return " ".join(f"@{a}" for a in node.get("aliases", [])) or "version"
    if kind == "deployment":
        return f'{node.get("status")} v{node.get("version")}'
    return kind.replace("_", " ")


def _short(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
