/**
 * The comparison of runs, opened in the main area: params and metrics side by side (rows
 * that differ highlighted), the chosen metric across the runs as bars, and its histories
 * overlaid.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IComparedValues, IComparison, IRunSummary } from '../api';
import { CompareModel, metricBars, overlay, runColour } from '../model/compare';
import { formatValue } from '../model/format';
import { useChanged } from './hooks';
import { Loading, Problem } from './states';

export class CompareWidget extends ReactWidget {
  constructor(readonly model: CompareModel) {
    super();
    this.addClass('jp-mlops-compare-widget');
  }

  render(): JSX.Element {
    return <CompareView model={this.model} />;
  }
}

const BAR_WIDTH = 260;
const CHART_WIDTH = 520;
const CHART_HEIGHT = 200;

function runLabel(run: IRunSummary): string {
  return run.run_name || run.run_id.slice(0, 8);
}

function Swatch(props: { index: number }): JSX.Element {
  return <span className="jp-mlops-swatch" style={{ background: runColour(props.index) }} />;
}

function Rows(props: {
  title: string;
  rows: IComparedValues[];
  width: number;
  chosen?: string | null;
  onPick?: (key: string) => void;
}): JSX.Element {
  const { rows } = props;
  const differing = rows.filter(r => r.differs).length;
  return (
    <tbody className={`jp-mlops-compare-${props.title.toLowerCase()}`}>
      <tr className="jp-mlops-compare-group">
        <th colSpan={props.width + 1}>
          {props.title} ({rows.length}
          {rows.length ? `, ${differing} differ` : ''})
        </th>
      </tr>
      {rows.map(row => (
        <tr
          key={row.key}
          data-key={row.key}
          className={[
            row.differs ? 'jp-mod-differs' : '',
            props.chosen === row.key ? 'jp-mod-selected' : ''
          ].join(' ')}
        >
          <th scope="row" title={row.key}>
            {props.onPick ? (
              <button
                className="jp-mlops-link"
                title={`Chart ${row.key}`}
                onClick={() => props.onPick?.(row.key)}
              >
                {row.key}
              </button>
            ) : (
              row.key
            )}
          </th>
          {row.values.map((value, i) => (
            <td key={i} title={value === null ? 'not logged' : String(value)}>
              {value === null ? <span className="jp-mlops-muted">—</span> : formatValue(value)}
            </td>
          ))}
        </tr>
      ))}
    </tbody>
  );
}

function Bars(props: { comparison: IComparison }): JSX.Element {
  const { comparison } = props;
  const bars = metricBars(comparison, BAR_WIDTH);
  const row = 22;
  return (
    <svg
      className="jp-mlops-compare-bars"
      width={BAR_WIDTH + 230}
      height={bars.length * row + 4}
      role="img"
      aria-label={`${comparison.metric} across the runs`}
    >
      {bars.map((bar, i) => (
        <g key={bar.runId} transform={`translate(0,${i * row + 2})`} data-run-id={bar.runId}>
          <text x={0} y={14}>
            {runLabel(comparison.runs[i]).slice(0, 18)}
          </text>
          <rect x={130} y={2} width={bar.length} height={row - 6} fill={runColour(i)} />
          <text x={136 + bar.length} y={14} className="jp-mlops-compare-value">
            {bar.value === null ? 'not logged' : formatValue(bar.value)}
          </text>
        </g>
      ))}
    </svg>
  );
}

function Histories(props: { comparison: IComparison }): JSX.Element {
  const { comparison } = props;
  if (comparison.histories.length === 0) {
    return <p className="jp-mlops-muted">No run has a history of {comparison.metric}.</p>;
  }
  const chart = overlay(comparison.histories, CHART_WIDTH, CHART_HEIGHT);
  const index = new Map(comparison.runs.map((r, i) => [r.run_id, i]));
  return (
    <figure className="jp-mlops-compare-history">
      <svg
        className="jp-mlops-compare-history-chart"
        viewBox={`0 0 ${CHART_WIDTH + 64} ${CHART_HEIGHT + 20}`}
        style={{ maxWidth: CHART_WIDTH + 64 }}
        role="img"
        aria-label={`${comparison.metric} by step, one line per run`}
      >
        <g transform="translate(56,0)">
          <rect className="jp-mlops-compare-frame" width={CHART_WIDTH} height={CHART_HEIGHT} />
          {chart.lines.map(line => {
            const colour = runColour(index.get(line.runId) ?? 0);
            return (
              <g key={line.runId} data-run-id={line.runId} className="jp-mlops-compare-line">
                {line.path ? <path d={line.path} stroke={colour} /> : null}
                {line.dot ? <circle cx={line.dot.x} cy={line.dot.y} r={3} fill={colour} /> : null}
              </g>
            );
          })}
          <text x={-4} y={10} textAnchor="end">
            {formatValue(chart.values[1])}
          </text>
          <text x={-4} y={CHART_HEIGHT} textAnchor="end">
            {formatValue(chart.values[0])}
          </text>
          <text x={0} y={CHART_HEIGHT + 14}>
            step {chart.steps[0]}
          </text>
          <text x={CHART_WIDTH} y={CHART_HEIGHT + 14} textAnchor="end">
            step {chart.steps[1]}
          </text>
        </g>
      </svg>
      <figcaption>
        {comparison.histories.map(h => (
          <span key={h.run_id} className="jp-mlops-compare-legend">
            <Swatch index={index.get(h.run_id) ?? 0} />
            {runLabel(comparison.runs[index.get(h.run_id) ?? 0])} ({h.total} point
            {h.total === 1 ? '' : 's'})
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export function CompareView(props: { model: CompareModel }): JSX.Element {
  const { model } = props;
  useChanged(model.changed);
  const comparison = model.comparison;
  if (!comparison) {
    return (
      <div className="jp-mlops-compare">
        {model.error ? <Problem problem={model.error} what="Cannot compare these runs" /> : null}
        {model.loading ? <Loading what="the comparison" /> : null}
      </div>
    );
  }
  const { runs } = comparison;
  const pick = (key: string) => void model.setMetric(key);
  return (
    <div className="jp-mlops-compare" data-runs={runs.map(r => r.run_id).join(' ')}>
      {model.error ? <Problem problem={model.error} what="Cannot compare these runs" /> : null}
      <table className="jp-mlops-compare-table">
        <thead>
          <tr>
            <th />
            {runs.map((run, i) => (
              <th key={run.run_id} data-run-id={run.run_id} title={`${run.run_id} (${run.status})`}>
                <Swatch index={i} />
                {runLabel(run)}
                <div className="jp-mlops-muted">{run.status.toLowerCase()}</div>
              </th>
            ))}
          </tr>
        </thead>
        <Rows title="Params" rows={comparison.params} width={runs.length} />
        <Rows
          title="Metrics"
          rows={comparison.metrics}
          width={runs.length}
          chosen={comparison.metric}
          onPick={pick}
        />
      </table>
      {comparison.metric ? (
        <section className="jp-mlops-compare-charts">
          <label className="jp-mlops-compare-pick">
            Chart{' '}
            <select
              className="jp-mlops-compare-metric"
              value={comparison.metric}
              onChange={event => pick(event.target.value)}
            >
              {comparison.metrics.map(m => (
                <option key={m.key} value={m.key}>
                  {m.key}
                </option>
              ))}
            </select>
            {model.loading ? <Loading what={comparison.metric} /> : null}
          </label>
          <h4>{comparison.metric}: last value per run</h4>
          <Bars comparison={comparison} />
          <h4>{comparison.metric}: history</h4>
          <Histories comparison={comparison} />
        </section>
      ) : (
        <p className="jp-mlops-muted">None of these runs logged a metric.</p>
      )}
    </div>
  );
}
