/**
 * Where each node and edge of a lineage graph is drawn: pure functions over the graph
 * JSON of GET lineage (core/lineage.py), laid out top to bottom by dagre because the
 * sidebar is tall and narrow.  No DOM: text widths are estimated from character counts.
 */
import dagre, { EdgeLabel, Point } from '@dagrejs/dagre';

import { ILineageEdge, ILineageGraph, ILineageNode, LineageNodeKind } from '../api';

export type NodeShape = 'slanted' | 'rounded' | 'dashed' | 'box' | 'double' | 'pill' | 'hexagon';

export interface IKindStyle {
  /** the small caption drawn above the label, and the legend entry */
  caption: string;
  shape: NodeShape;
}

/** In flow order: the legend lists kinds this way. */
export const KIND_STYLES: Record<LineageNodeKind, IKindStyle> = {
  dataset: { caption: 'dataset', shape: 'slanted' },
  run: { caption: 'run', shape: 'rounded' },
  logged_model: { caption: 'logged model', shape: 'dashed' },
  model_version: { caption: 'model version', shape: 'box' },
  registered_model: { caption: 'registered model', shape: 'double' },
  alias: { caption: 'alias', shape: 'pill' },
  deployment: { caption: 'deployment', shape: 'hexagon' }
};

export const NODE_HEIGHT = 34;
export const MIN_NODE_WIDTH = 72;
export const MAX_LABEL_CHARS = 24;
const CHAR_WIDTH = 6.4; // at the 11px label font; a little generous so text never spills
const PADDING_X = 22; // room for the status dot and the slanted/hexagon ends

export interface ILaidNode {
  id: string;
  kind: LineageNodeKind;
  node: ILineageNode;
  /** top-left corner */
  x: number;
  y: number;
  width: number;
  height: number;
  /** the label as drawn (shortened); the full one goes in the tooltip */
  text: string;
  caption: string;
  shape: NodeShape;
  /** lower-case run or deployment status, else null */
  status: string | null;
  /** datasets: 'failed' when a run in the graph found it violating a contract, 'passed' when all checks passed */
  contract: 'passed' | 'failed' | null;
}

export interface ILaidEdge {
  id: string;
  source: string;
  target: string;
  kind: ILineageEdge['kind'];
  points: { x: number; y: number }[];
  /** an SVG path through the points */
  path: string;
}

export interface ILineageLayout {
  nodes: ILaidNode[];
  edges: ILaidEdge[];
  width: number;
  height: number;
}

/** The label to draw: an endpoint without its scheme, anything long cut with an ellipsis. */
export function displayLabel(node: ILineageNode, max = MAX_LABEL_CHARS): string {
  let text = String(node.label ?? node.id);
  if (node.kind === 'deployment') {
    text = text.replace(/^https?:\/\//, '');
  }
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

export function nodeStatus(node: ILineageNode): string | null {
  if ((node.kind === 'run' || node.kind === 'deployment') && typeof node.status === 'string') {
    return node.status.toLowerCase();
  }
  return null;
}

/** A dataset's contract outcome in the graph (null: not checked, or not a dataset). */
export function contractOutcome(node: ILineageNode): 'passed' | 'failed' | null {
  if (node.kind !== 'dataset') {
    return null;
  }
  if (node.contract_failed) {
    return 'failed';
  }
  return node.contracts && node.contracts.length > 0 ? 'passed' : null;
}

/** The tooltip lines of a dataset's contract checks: "contract train: failed (run 1a2b3c4d)". */
export function contractLines(node: ILineageNode): string[] {
  return (node.contracts ?? []).map(
    check => `contract ${check.name}: ${check.status} (run ${check.run_id.slice(0, 8)})`
  );
}

export function nodeWidth(text: string, caption: string): number {
  const chars = Math.max(text.length, caption.length * 0.85);
  return Math.max(MIN_NODE_WIDTH, Math.ceil(chars * CHAR_WIDTH + PADDING_X));
}

/** A smooth path through dagre's bend points (quadratic curves between midpoints). */
export function edgePath(points: { x: number; y: number }[]): string {
  if (points.length === 0) {
    return '';
  }
  const f = (n: number) => Math.round(n * 10) / 10;
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const mid = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
    d += ` Q${f(points[i].x)},${f(points[i].y)} ${f(mid.x)},${f(mid.y)}`;
  }
  const last = points[points.length - 1];
  return d + ` L${f(last.x)},${f(last.y)}`;
}

export interface ILayoutOptions {
  nodesep?: number;
  ranksep?: number;
  margin?: number;
}

/** The smallest and largest zoom a fitted graph gets: below that labels are unreadable. */
export const FIT_MIN = 0.35;
export const FIT_MAX = 1;

/**
 * The zoom that shows the whole graph in a box of this size (never above 100%, never
 * below FIT_MIN: a huge graph scrolls instead).
 */
export function fitScale(
  layout: { width: number; height: number },
  box: { width: number; height: number }
): number {
  if (layout.width <= 0 || layout.height <= 0 || box.width <= 0 || box.height <= 0) {
    return FIT_MAX;
  }
  const scale = Math.min(box.width / layout.width, box.height / layout.height);
  return Math.max(FIT_MIN, Math.min(FIT_MAX, Math.floor(scale * 100) / 100));
}

/** Lay out the graph; edges whose ends are not nodes of the graph are left out. */
export function layoutLineage(graph: ILineageGraph, options: ILayoutOptions = {}): ILineageLayout {
  const margin = options.margin ?? 8;
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({
    rankdir: 'TB',
    nodesep: options.nodesep ?? 14,
    ranksep: options.ranksep ?? 30,
    edgesep: 8,
    marginx: margin,
    marginy: margin
  });
  const known = new Map<string, ILineageNode>();
  for (const node of graph.nodes) {
    if (known.has(node.id)) {
      continue;
    }
    known.set(node.id, node);
    const style = KIND_STYLES[node.kind] ?? { caption: node.kind, shape: 'box' };
    g.setNode(node.id, {
      width: nodeWidth(displayLabel(node), style.caption),
      height: NODE_HEIGHT
    });
  }
  const edges = graph.edges.filter(
    e => known.has(e.source) && known.has(e.target) && e.source !== e.target
  );
  for (const e of edges) {
    // run -> run shortcuts (feeds, exported) should not pull the main chain sideways
    const shortcut = e.kind === 'feeds' || e.kind === 'exported';
    g.setEdge(e.source, e.target, { weight: shortcut ? 1 : 2, minlen: 1 }, e.kind);
  }
  dagre.layout(g);

  const nodes: ILaidNode[] = [...known.values()].map(node => {
    const laid = g.node(node.id);
    const style = KIND_STYLES[node.kind] ?? { caption: node.kind, shape: 'box' as NodeShape };
    return {
      id: node.id,
      kind: node.kind,
      node,
      x: (laid.x ?? 0) - laid.width / 2,
      y: (laid.y ?? 0) - laid.height / 2,
      width: laid.width,
      height: laid.height,
      text: displayLabel(node),
      caption: style.caption,
      shape: style.shape,
      status: nodeStatus(node),
      contract: contractOutcome(node)
    };
  });
  const laidEdges: ILaidEdge[] = edges.map(e => {
    const points = (
      (g.edge(e.source, e.target, e.kind) as EdgeLabel | undefined)?.points ?? []
    ).map((p: Point) => ({ x: p.x, y: p.y }));
    return {
      id: `${e.source}->${e.target}:${e.kind}`,
      source: e.source,
      target: e.target,
      kind: e.kind,
      points,
      path: edgePath(points)
    };
  });
  const label = g.graph();
  // Edges may bend outside the nodes' box (a shortcut around a chain): count their points.
  const bends = laidEdges.flatMap(e => e.points);
  const width = Math.max(
    label.width ?? 0,
    ...nodes.map(n => n.x + n.width + margin),
    ...bends.map(p => p.x + margin)
  );
  const height = Math.max(
    label.height ?? 0,
    ...nodes.map(n => n.y + n.height + margin),
    ...bends.map(p => p.y + margin)
  );
  return { nodes, edges: laidEdges, width: Math.ceil(width), height: Math.ceil(height) };
}

/** The kinds present, in flow order, for the legend. */
export function kindsPresent(layout: ILineageLayout): LineageNodeKind[] {
  const present = new Set(layout.nodes.map(n => n.kind));
  return (Object.keys(KIND_STYLES) as LineageNodeKind[]).filter(k => present.has(k));
}

/** SVG points of a shape's outline inside (0,0)-(w,h), for the polygon shapes. */
export function polygonPoints(shape: NodeShape, w: number, h: number): string | null {
  const s = 7;
  if (shape === 'slanted') {
    return `${s},0 ${w},0 ${w - s},${h} 0,${h}`;
  }
  if (shape === 'hexagon') {
    return `${s},0 ${w - s},0 ${w},${h / 2} ${w - s},${h} ${s},${h} 0,${h / 2}`;
  }
  return null;
}
