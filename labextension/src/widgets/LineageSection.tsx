/** The Lineage section: the graph of the selected run or model, a legend, the picked node. */
import { ReactWidget, refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ILineageNode } from '../api';
import { deploymentKey, DeploymentsModel } from '../model/deployments';
import { formatTime } from '../model/format';
import { LineageModel, subjectLabel } from '../model/lineage';
import { fitScale, ILaidNode, KIND_STYLES, kindsPresent } from '../model/lineageLayout';
import { shortDigest } from '../model/models';
import { useChanged } from './hooks';
import { LineageGraph, ZOOMS } from './LineageGraph';
import { Empty, Loading, Problem } from './states';

export class LineageSection extends ReactWidget {
  constructor(
    private readonly model: LineageModel,
    private readonly deployments: DeploymentsModel
  ) {
    super();
    this.addClass('jp-mlops-lineage-section');
    this.title.label = 'Lineage';
  }

  render(): JSX.Element {
    return <LineageView model={this.model} deployments={this.deployments} />;
  }
}

function Legend(props: {
  kinds: (keyof typeof KIND_STYLES)[];
  contractFailed: boolean;
}): JSX.Element {
  return (
    <details className="jp-mlops-lineage-legend-box">
      <summary>Legend</summary>
      <ul className="jp-mlops-lineage-legend" aria-label="Node kinds">
        {props.kinds.map(kind => (
          <li key={kind} className={`jp-mlops-lineage-kind-${kind}`}>
            <span
              className={`jp-mlops-lineage-swatch jp-mlops-lineage-shape-${KIND_STYLES[kind].shape}`}
            />
            {KIND_STYLES[kind].caption}
          </li>
        ))}
        <li className="jp-mlops-lineage-legend-edge">
          <svg width="18" height="8">
            <path className="jp-mlops-lineage-edge jp-mlops-lineage-edge-feeds" d="M0,4 L18,4" />
          </svg>
          feeds / exported (run to run)
        </li>
        {props.contractFailed ? (
          <li className="jp-mlops-lineage-legend-contract">
            <span className="jp-mlops-lineage-swatch jp-mlops-lineage-contract-swatch">!</span>
            dataset that failed its data contract
          </li>
        ) : null}
      </ul>
    </details>
  );
}

/** One line about the picked node: what it is, and its link or fingerprint. */
function Picked(props: { node: ILineageNode; status: string | null }): JSX.Element {
  const { node, status } = props;
  const facts: React.ReactNode[] = [];
  if (node.kind === 'dataset') {
    facts.push(
      <code key="d" title={`fingerprint ${node.digest}`}>
        {shortDigest(node.digest)}
      </code>
    );
    if (node.names && node.names.length > 1) {
      facts.push(`also ${node.names.slice(1).join(', ')}`);
    }
    for (const check of node.contracts ?? []) {
      facts.push(
        <span
          key={`c-${check.name}-${check.run_id}`}
          className={`jp-mlops-lineage-contract-fact jp-mlops-lineage-contract-fact-${check.status}`}
        >
          contract {check.name} {check.status}
        </span>
      );
    }
  }
  if (node.kind === 'run') {
    facts.push(
      status ?? '',
      node.notebook ?? '',
      formatTime(node.start_time as number | undefined)
    );
  }
  if (node.kind === 'alias' && node.version) {
    facts.push(`-> v${node.version}`);
  }
  if (node.kind === 'deployment' && node.endpoint) {
    facts.push(
      <a
        key="e"
        className="jp-mlops-endpoint"
        href={node.endpoint}
        target="_blank"
        rel="noopener noreferrer"
      >
        {node.endpoint}
      </a>,
      status ?? ''
    );
  }
  return (
    <div className="jp-mlops-lineage-picked" data-node-id={node.id}>
      <strong>{KIND_STYLES[node.kind]?.caption ?? node.kind}</strong> {node.label}
      {facts.filter(Boolean).map((fact, i) => (
        <span key={i} className="jp-mlops-muted">
          {' '}
          · {fact}
        </span>
      ))}
    </div>
  );
}

function LineageView(props: { model: LineageModel; deployments: DeploymentsModel }): JSX.Element {
  const { model, deployments } = props;
  useChanged(model.changed);
  useChanged(deployments.changed);
  // null: fitted to the panel (how every new graph opens); else the zoom picked with -/+
  const [zoom, setZoom] = React.useState<number | null>(null);
  const [viewport, setViewport] = React.useState({ width: 0, height: 0 });
  const rootId = model.graph?.root.id ?? null;
  React.useEffect(() => setZoom(null), [rootId]);
  const onViewport = React.useCallback(
    (size: { width: number; height: number }) =>
      setViewport(old => (old.width === size.width && old.height === size.height ? old : size)),
    []
  );
  if (model.subject === null) {
    return <Empty>Select a run or a model to see its lineage.</Empty>;
  }
  // The deployments poll knows a server died before the graph is fetched again.
  const statusOf = (node: ILaidNode | ILineageNode): string | null => {
    const graphNode = 'node' in node ? (node.node as ILineageNode) : node;
    if (graphNode.kind === 'deployment' && graphNode.name && graphNode.port !== undefined) {
      const live = deployments.find(
        deploymentKey({ name: graphNode.name, port: graphNode.port as number })
      );
      if (live) {
        return live.status;
      }
    }
    return 'status' in node && typeof node.status === 'string' ? node.status.toLowerCase() : null;
  };
  const layout = model.layout;
  const fitted = layout ? fitScale(layout, viewport) : 1;
  const scale = zoom ?? fitted;
  const smaller = ZOOMS.filter(z => z < scale - 0.001).pop();
  const larger = ZOOMS.find(z => z > scale + 0.001);
  const picked = model.node(model.selectedNodeId);
  const root = model.node(model.graph?.root.id ?? null);
  // a run by its name, a model by the reference asked for (NAME, NAME@ALIAS, NAME/VERSION)
  const heading =
    root && model.subject.run !== undefined ? `run ${root.label}` : subjectLabel(model.subject);
  return (
    <div className="jp-mlops-section jp-mlops-lineage" data-subject={subjectLabel(model.subject)}>
      <div className="jp-mlops-lineage-head">
        <strong title={`Lineage of ${model.subject.run ?? model.subject.model}`}>{heading}</strong>
        {layout && layout.nodes.length > 0 ? (
          <>
            <Legend
              kinds={kindsPresent(layout)}
              contractFailed={layout.nodes.some(n => n.contract === 'failed')}
            />
            <span className="jp-mlops-lineage-zoom">
              <button
                className="jp-mlops-button"
                title="Zoom out"
                disabled={smaller === undefined}
                onClick={() => setZoom(smaller ?? scale)}
              >
                −
              </button>
              <button
                className="jp-mlops-button"
                title={`Zoom in (now ${Math.round(scale * 100)}%)`}
                disabled={larger === undefined}
                onClick={() => setZoom(larger ?? scale)}
              >
                +
              </button>
              <button
                className="jp-mlops-button jp-mlops-lineage-fit"
                title="Fit the graph to the panel"
                disabled={zoom === null}
                onClick={() => setZoom(null)}
              >
                Fit
              </button>
            </span>
          </>
        ) : null}
        <button
          className="jp-mlops-button jp-mlops-icon-button"
          onClick={() => void model.refresh()}
          title="Fetch the graph again"
        >
          <refreshIcon.react tag="span" elementSize="small" />
        </button>
      </div>
      {model.error ? <Problem problem={model.error} what="Cannot load the lineage" /> : null}
      {!layout && model.loading ? <Loading what="lineage" /> : null}
      {layout && model.graph?.truncated ? (
        <div className="jp-mlops-lineage-truncated" role="status">
          Truncated: this lineage is larger than the server draws at once; some runs are left out.
        </div>
      ) : null}
      {layout && layout.nodes.length === 0 ? (
        <Empty>Nothing recorded for this lineage yet.</Empty>
      ) : null}
      {layout && layout.nodes.length > 0 ? (
        <>
          <LineageGraph
            layout={layout}
            scale={scale}
            onViewport={onViewport}
            selectedId={model.selectedNodeId}
            focusId={model.graph?.root.id ?? null}
            statusOf={statusOf}
            onActivate={id => void model.activate(id)}
          />
          {picked ? <Picked node={picked} status={statusOf(picked)} /> : null}
        </>
      ) : null}
    </div>
  );
}
