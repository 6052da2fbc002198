/**
 * The drawn lineage graph: an SVG of the laid-out nodes and edges in a scrolling box
 * that can be dragged to pan and zoomed.  Clicking (or Enter on) a node activates it.
 */
import * as React from 'react';

import {
  contractLines,
  ILaidEdge,
  ILaidNode,
  ILineageLayout,
  polygonPoints
} from '../model/lineageLayout';

export interface ILineageGraphProps {
  layout: ILineageLayout;
  /** the zoom: 1 draws the layout at its size */
  scale: number;
  /** told the size of the visible box whenever it changes (to fit the graph in it) */
  onViewport?: (size: { width: number; height: number }) => void;
  selectedId: string | null;
  /** the node to bring into view when a new graph is drawn (its root) */
  focusId: string | null;
  /** live status of a node when known better than the graph's (deployments poll) */
  statusOf: (node: ILaidNode) => string | null;
  onActivate: (nodeId: string) => void;
}

export const ZOOMS = [0.5, 0.67, 0.8, 1, 1.25, 1.5, 2];

function Shape(props: { node: ILaidNode }): JSX.Element {
  const { node } = props;
  const { width: w, height: h, shape } = node;
  const points = polygonPoints(shape, w, h);
  if (points) {
    return <polygon className="jp-mlops-lineage-shape" points={points} />;
  }
  const rx = shape === 'pill' ? h / 2 : shape === 'rounded' ? 6 : 1;
  return (
    <>
      <rect className="jp-mlops-lineage-shape" width={w} height={h} rx={rx} />
      {shape === 'double' ? (
        <rect className="jp-mlops-lineage-inner" x={3} y={3} width={w - 6} height={h - 6} rx={1} />
      ) : null}
    </>
  );
}

function Node(props: {
  node: ILaidNode;
  status: string | null;
  selected: boolean;
  onActivate: (id: string) => void;
}): JSX.Element {
  const { node, status, selected } = props;
  const classes = [
    'jp-mlops-lineage-node',
    `jp-mlops-lineage-kind-${node.kind}`,
    `jp-mlops-lineage-shape-${node.shape}`,
    status ? `jp-mlops-lineage-status-${status}` : '',
    node.contract ? `jp-mlops-lineage-contract-${node.contract}` : '',
    selected ? 'jp-mod-selected' : ''
  ].filter(Boolean);
  const full = String(node.node.label ?? node.id);
  const tooltip = [
    `${node.caption}: ${full}`,
    status ? `status: ${status}` : '',
    node.contract === 'failed' ? 'FAILED its data contract' : '',
    ...contractLines(node.node),
    node.node.digest ? `fingerprint ${node.node.digest}` : ''
  ]
    .filter(Boolean)
    .join('\n');
  const textX = status ? 16 : node.shape === 'slanted' || node.shape === 'hexagon' ? 10 : 7;
  return (
    <g
      className={classes.join(' ')}
      transform={`translate(${node.x},${node.y})`}
      data-node-id={node.id}
      data-kind={node.kind}
      data-status={status ?? undefined}
      data-contract={node.contract ?? undefined}
      role="button"
      tabIndex={0}
      aria-label={tooltip}
      onClick={() => props.onActivate(node.id)}
      onKeyDown={event => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          props.onActivate(node.id);
        }
      }}
    >
      <title>{tooltip}</title>
      <Shape node={node} />
      {status ? (
        <circle className="jp-mlops-lineage-dot" cx={8} cy={node.height / 2} r={4} />
      ) : null}
      {node.contract === 'failed' ? (
        <g className="jp-mlops-lineage-contract-mark" transform={`translate(${node.width - 9},0)`}>
          <circle r={7} cx={0} cy={0} />
          <text x={0} y={3.5} textAnchor="middle">
            !
          </text>
        </g>
      ) : null}
      <text className="jp-mlops-lineage-caption" x={textX} y={12}>
        {node.caption}
      </text>
      <text className="jp-mlops-lineage-label" x={textX} y={26}>
        {node.text}
      </text>
    </g>
  );
}

function Edge(props: { edge: ILaidEdge }): JSX.Element {
  const { edge } = props;
  return (
    <path
      className={`jp-mlops-lineage-edge jp-mlops-lineage-edge-${edge.kind}`}
      d={edge.path}
      markerEnd="url(#jp-mlops-lineage-arrow)"
      data-source={edge.source}
      data-target={edge.target}
      data-kind={edge.kind}
    >
      <title>{edge.kind}</title>
    </path>
  );
}

export function LineageGraph(props: ILineageGraphProps): JSX.Element {
  const { layout } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  const drag = React.useRef<{ x: number; y: number; left: number; top: number } | null>(null);
  const scale = props.scale;

  React.useEffect(() => {
    const box = scroller.current;
    const report = props.onViewport;
    if (!box || !report) {
      return;
    }
    const observer = new ResizeObserver(() =>
      report({ width: box.clientWidth, height: box.clientHeight })
    );
    observer.observe(box);
    return () => observer.disconnect();
  }, [props.onViewport]);

  // A new graph or zoom: scroll its root into the middle of the view (when it does not fit).
  React.useEffect(() => {
    const box = scroller.current;
    const focus = layout.nodes.find(n => n.id === props.focusId);
    if (box && focus) {
      box.scrollTop = Math.max(0, (focus.y + focus.height / 2) * scale - box.clientHeight / 2);
      box.scrollLeft = Math.max(0, (focus.x + focus.width / 2) * scale - box.clientWidth / 2);
    }
  }, [layout, props.focusId, scale]);

  const onPointerDown = (event: React.PointerEvent) => {
    const box = scroller.current;
    if (!box || (event.target as Element).closest('.jp-mlops-lineage-node')) {
      return; // a press on a node is a click, not a pan
    }
    drag.current = { x: event.clientX, y: event.clientY, left: box.scrollLeft, top: box.scrollTop };
    box.setPointerCapture?.(event.pointerId);
  };
  const onPointerMove = (event: React.PointerEvent) => {
    const box = scroller.current;
    if (box && drag.current) {
      box.scrollLeft = drag.current.left - (event.clientX - drag.current.x);
      box.scrollTop = drag.current.top - (event.clientY - drag.current.y);
    }
  };
  const endDrag = () => {
    drag.current = null;
  };

  return (
    <div className="jp-mlops-lineage-graph">
      <div
        className="jp-mlops-lineage-scroller"
        ref={scroller}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={endDrag}
        onPointerCancel={endDrag}
      >
        <svg
          className="jp-mlops-lineage-svg"
          width={layout.width * scale}
          height={layout.height * scale}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          role="img"
          aria-label="Lineage graph"
          data-scale={scale}
        >
          <defs>
            <marker
              id="jp-mlops-lineage-arrow"
              viewBox="0 0 10 10"
              refX={9}
              refY={5}
              markerWidth={7}
              markerHeight={7}
              orient="auto-start-reverse"
            >
              <path className="jp-mlops-lineage-arrowhead" d="M0,0 L10,5 L0,10 z" />
            </marker>
          </defs>
          <g className="jp-mlops-lineage-edges">
            {layout.edges.map(edge => (
              <Edge key={edge.id} edge={edge} />
            ))}
          </g>
          <g className="jp-mlops-lineage-nodes">
            {layout.nodes.map(node => (
              <Node
                key={node.id}
                node={node}
                status={props.statusOf(node)}
                selected={node.id === props.selectedId}
                onActivate={props.onActivate}
              />
            ))}
          </g>
        </svg>
      </div>
    </div>
  );
}
