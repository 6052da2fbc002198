/**
 * A deployment's monitoring in the Deployments section: request rate, latency p50/p95, the
 * alert badge and per-feature drift bars against their thresholds; clicking a feature
 * shows its live and reference distributions overlaid, and the cell and dataset the
 * reference came from.
 */
import * as React from 'react';

import { IDeploymentMonitoring, IFeatureDrift, IReferenceSource } from '../api';
import { formatValue } from '../model/format';
import {
  alertBadge,
  driftBar,
  formatLatency,
  formatRate,
  formatShare,
  MonitoringModel,
  overlayBars
} from '../model/monitoring';
import { IGoToResult } from './gotoCell';
import { useChanged } from './hooks';
import { Problem } from './states';

export type GoToNotebookCell = (
  notebook: string | null,
  cellId: string | null
) => Promise<IGoToResult>;

const CHART_WIDTH = 240;
const CHART_HEIGHT = 64;

function AlertBadge(props: { reply: IDeploymentMonitoring }): JSX.Element {
  const badge = alertBadge(props.reply.alert);
  return (
    <span
      className={`jp-mlops-badge jp-mlops-alert-badge jp-mlops-alert-${badge.status}`}
      data-status={badge.status}
      title={badge.title}
    >
      {badge.label}
    </span>
  );
}

function Stats(props: { reply: IDeploymentMonitoring }): JSX.Element {
  const { requests } = props.reply;
  const minutes = Math.round(requests.window_s / 60);
  return (
    <div
      className="jp-mlops-monitor-stats"
      title={`Over the last ${minutes} min of the prediction log: ${requests.count} requests, ${requests.errors} failed`}
    >
      <span className="jp-mlops-monitor-rate">{formatRate(requests.rate_per_s)}</span>
      <span className="jp-mlops-monitor-latency">
        p50 {formatLatency(requests.latency_p50_ms)} · p95 {formatLatency(requests.latency_p95_ms)}
      </span>
      {requests.errors ? (
        <span className="jp-mlops-monitor-errors">{requests.errors} failed</span>
      ) : null}
    </div>
  );
}

function DriftBar(props: {
  feature: IFeatureDrift;
  selected: boolean;
  onClick: () => void;
}): JSX.Element {
  const { feature, selected } = props;
  const bar = driftBar(feature);
  const value = feature.value === null ? 'no live rows' : formatValue(feature.value);
  const title =
    `${feature.feature}: ${feature.statistic} ${value}, threshold ${formatValue(feature.threshold)}` +
    (feature.drifted
      ? ' (drifted)'
      : feature.value !== null && feature.value > feature.threshold
        ? ` (past its threshold, but as likely noise: p = ${formatValue(feature.p_value)})`
        : '') +
    '. Click for its live and reference distributions.';
  return (
    <li>
      <button
        type="button"
        className={`jp-mlops-drift-row${selected ? ' jp-mod-selected' : ''}`}
        data-feature={feature.feature}
        data-drifted={feature.drifted ? 'true' : 'false'}
        aria-pressed={selected}
        title={title}
        onClick={props.onClick}
      >
        <span className="jp-mlops-drift-name">{feature.feature}</span>
        <span className="jp-mlops-drift-track">
          <span className="jp-mlops-drift-bar" style={{ width: `${bar.fill * 100}%` }} />
          <span className="jp-mlops-drift-threshold" style={{ left: `${bar.mark * 100}%` }} />
        </span>
        <span className="jp-mlops-drift-value">{value}</span>
      </button>
    </li>
  );
}

function Overlay(props: { reply: IDeploymentMonitoring }): JSX.Element | null {
  const dist = props.reply.distribution;
  if (!dist) {
    return null;
  }
  const bars = overlayBars(dist.bins, CHART_WIDTH, CHART_HEIGHT);
  const first = dist.bins[0];
  const last = dist.bins[dist.bins.length - 1];
  return (
    <div className="jp-mlops-overlay">
      <svg
        className="jp-mlops-overlay-chart"
        width={CHART_WIDTH}
        height={CHART_HEIGHT}
        viewBox={`0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`}
        role="img"
        aria-label={`${dist.feature}: live vs reference distribution`}
      >
        {bars.map((b, i) => (
          <g key={i}>
            <title>{`${b.label}: live ${formatShare(b.live)}, reference ${formatShare(b.reference)}`}</title>
            <rect
              className="jp-mlops-overlay-reference"
              x={b.x}
              y={b.refY}
              width={b.width}
              height={b.refHeight}
            />
            <rect
              className="jp-mlops-overlay-live"
              x={b.x + b.width * 0.25}
              y={b.liveY}
              width={b.width * 0.5}
              height={b.liveHeight}
            />
          </g>
        ))}
      </svg>
      <div className="jp-mlops-overlay-axis jp-mlops-muted">
        {dist.kind === 'numeric' && first && last ? (
          <>
            <span>{formatValue(first.low)}</span>
            <span>{formatValue(last.high)}</span>
          </>
        ) : (
          <span>{dist.bins.map(b => b.label).join(' · ')}</span>
        )}
      </div>
      <div className="jp-mlops-overlay-legend">
        <span className="jp-mlops-legend-live">live ({dist.live_rows} rows)</span>
        <span className="jp-mlops-legend-reference">reference ({dist.reference_rows} rows)</span>
      </div>
    </div>
  );
}

function ReferenceSource(props: {
  source: IReferenceSource;
  goToCell?: GoToNotebookCell;
}): JSX.Element {
  const { source, goToCell } = props;
  const [message, setMessage] = React.useState<string | null>(null);
  const datasets = source.datasets.map(d => `${d.name} (${d.digest.slice(0, 8)})`).join(', ');
  return (
    <div className="jp-mlops-reference-source">
      <div>
        Reference: <code>{source.variable ?? 'data'}</code>, {source.rows} rows
        {source.sampled_rows ? ` (sampled to ${source.sampled_rows})` : ''}
      </div>
      {datasets ? <div className="jp-mlops-reference-datasets">dataset {datasets}</div> : null}
      <div className="jp-mlops-reference-cell">
        {source.notebook ? (
          <span>
            cell <code>{source.cell_id ?? '?'}</code> of {source.notebook}
          </span>
        ) : (
          <span className="jp-mlops-muted">no notebook cell recorded</span>
        )}
        {goToCell && source.notebook && source.cell_id ? (
          <button
            type="button"
            className="jp-mlops-button jp-mlops-goto jp-mlops-goto-reference"
            onClick={() =>
              void goToCell(source.notebook, source.cell_id).then(result =>
                setMessage(result.ok ? null : result.message)
              )
            }
          >
            Go to cell
          </button>
        ) : null}
      </div>
      {message ? <div className="jp-mlops-state jp-mlops-error">{message}</div> : null}
    </div>
  );
}

export function DeploymentMonitoring(props: {
  model: MonitoringModel;
  deploymentKey: string;
  goToCell?: GoToNotebookCell;
}): JSX.Element | null {
  const { model, deploymentKey: key } = props;
  useChanged(model.changed);
  const reply = model.get(key);
  const error = model.error(key);
  if (!reply) {
    return error ? <Problem problem={error} what="Monitoring" /> : null;
  }
  const selected = model.selected(key);
  const detail = model.detail(key);
  const detailError = model.detailError(key);
  return (
    <div className="jp-mlops-monitoring" data-alert={reply.alert.status}>
      <div className="jp-mlops-monitor-head">
        <Stats reply={reply} />
        <AlertBadge reply={reply} />
      </div>
      {reply.features.length ? (
        <ul className="jp-mlops-drift-bars" aria-label="Drift by feature against its threshold">
          {reply.features.map(f => (
            <DriftBar
              key={f.feature}
              feature={f}
              selected={selected === f.feature}
              onClick={() => void model.select(key, f.feature)}
            />
          ))}
        </ul>
      ) : (
        <div className="jp-mlops-muted jp-mlops-monitor-note">
          {reply.has_reference
            ? 'No drift check yet: the server checks every few minutes, or run %monitor.'
            : 'No reference profile: register with --reference VAR to check drift.'}
        </div>
      )}
      {selected ? (
        <div className="jp-mlops-feature-detail" data-feature={selected}>
          {detailError ? <Problem problem={detailError} what={selected} /> : null}
          {detail ? (
            <>
              <Overlay reply={detail} />
              {detail.reference ? (
                <ReferenceSource source={detail.reference} goToCell={props.goToCell} />
              ) : null}
            </>
          ) : detailError ? null : (
            <div className="jp-mlops-muted">Loading {selected}…</div>
          )}
        </div>
      ) : null}
    </div>
  );
}
