/** The run detail section: params, metric charts, datasets, source, tags, artifacts. */
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IContractStatus, IRunDetail } from '../api';
import { dataRows, IDataRow, rowText, violationText } from '../model/datasets';
import { DetailModel } from '../model/detail';
import { formatDuration, formatValue } from '../model/format';
import { Artifacts } from './Artifacts';
import { ContractBadge } from './badges';
import { IGoToResult } from './gotoCell';
import { useChanged } from './hooks';
import { Source } from './Source';
import { Sparkline } from './Sparkline';
import { Empty, Loading, Problem } from './states';

export interface IDetailActions {
  goToCell: (run: IRunDetail) => Promise<IGoToResult>;
  languages: IEditorLanguageRegistry | null;
}

export class DetailSection extends ReactWidget {
  constructor(
    private readonly model: DetailModel,
    private readonly actions: IDetailActions
  ) {
    super();
    this.addClass('jp-mlops-detail-section');
    this.title.label = 'Run detail';
  }

  render(): JSX.Element {
    return <DetailView model={this.model} actions={this.actions} />;
  }
}

function KeyValues(props: { values: Record<string, string | number | null> }): JSX.Element {
  const keys = Object.keys(props.values).sort();
  if (keys.length === 0) {
    return <Empty>None.</Empty>;
  }
  return (
    <table className="jp-mlops-kv">
      <tbody>
        {keys.map(key => (
          <tr key={key}>
            <th>{key}</th>
            <td>{formatValue(props.values[key])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Section(props: { title: string; open?: boolean; children: React.ReactNode }): JSX.Element {
  return (
    <details className="jp-mlops-detail-block" open={props.open ?? true}>
      <summary>{props.title}</summary>
      {props.children}
    </details>
  );
}

function DetailView(props: { model: DetailModel; actions: IDetailActions }): JSX.Element {
  const { model, actions } = props;
  useChanged(model.changed);
  const [goTo, setGoTo] = React.useState<IGoToResult | null>(null);
  React.useEffect(() => setGoTo(null), [model.runId]);

  if (model.runId === null) {
    return <Empty>Select a run to see its parameters, metrics, data and source.</Empty>;
  }
  if (model.error) {
    return <Problem problem={model.error} what="Cannot load the run" />;
  }
  const run = model.run;
  if (model.loading || !run) {
    return <Loading what="run" />;
  }
  const onGoTo = async () => setGoTo(await actions.goToCell(run));
  const metricKeys = Object.keys(run.metrics).sort();
  const datasets = dataRows(run);
  return (
    <div className="jp-mlops-detail" data-run-id={run.run_id}>
      <div className="jp-mlops-detail-head">
        <div className="jp-mlops-detail-title">
          <span className={`jp-mlops-status jp-mlops-status-${run.status.toLowerCase()}`} />
          <strong>{run.run_name || run.run_id}</strong> <span>{run.status}</span>
        </div>
        <div className="jp-mlops-detail-meta">
          {run.start_time ? new Date(run.start_time).toLocaleString() : ''}
          {run.duration_ms !== null ? ` · ${formatDuration(run.duration_ms)}` : ''}
          {run.notebook ? ` · ${run.notebook}` : ''}
        </div>
        <div className="jp-mlops-actions">
          <button
            className="jp-mlops-button jp-mlops-goto"
            onClick={() => void onGoTo()}
            disabled={!run.cell_id}
          >
            Go to cell
          </button>
          {run.ui_url ? (
            <a
              className="jp-mlops-button jp-mlops-open-ui"
              href={run.ui_url}
              target="_blank"
              rel="noopener noreferrer"
            >
              Open in MLflow UI
            </a>
          ) : null}
        </div>
        {goTo && !goTo.ok ? (
          <div className="jp-mlops-goto-message" role="alert">
            {goTo.message}
          </div>
        ) : null}
        {run.tags['mlops.error'] ? (
          <Problem problem={{ status: 0, code: 'run_failed', message: run.tags['mlops.error'] }} />
        ) : null}
      </div>
      <Section title={`Parameters (${Object.keys(run.params).length})`}>
        <KeyValues values={run.params} />
      </Section>
      <Section title={`Metrics (${metricKeys.length})`}>
        {metricKeys.length === 0 ? <Empty>None.</Empty> : null}
        {metricKeys.map(key => {
          const history = model.history(key);
          return (
            <div className="jp-mlops-metric" key={key}>
              <div className="jp-mlops-metric-name">{key}</div>
              <div className="jp-mlops-metric-value">{formatValue(run.metrics[key])}</div>
              {history && 'points' in history && history.points.length > 0 ? (
                <Sparkline points={history.points} label={key} />
              ) : history && 'message' in history ? (
                <span className="jp-mlops-muted">{history.message}</span>
              ) : null}
            </div>
          );
        })}
      </Section>
      <Section title={datasetsTitle(datasets)}>
        <Datasets rows={datasets} />
      </Section>
      <Section title="Cell source">
        {run.cell_source ? (
          <Source code={run.cell_source} languages={actions.languages} />
        ) : (
          <Empty>No source recorded.</Empty>
        )}
      </Section>
      <Section title={`Tags (${Object.keys(run.tags).length})`} open={false}>
        <KeyValues values={run.tags} />
      </Section>
      <Section title={`Artifacts (${run.artifacts.filter(a => !a.is_dir).length})`} open={false}>
        <Artifacts model={model} />
      </Section>
    </div>
  );
}

function datasetsTitle(rows: IDataRow[]): string {
  const violated = rows.flatMap(row => row.contracts).filter(status => !status.ok).length;
  return violated > 0
    ? `Datasets (${rows.length}; ${violated} contract${violated === 1 ? '' : 's'} violated)`
    : `Datasets (${rows.length})`;
}

function Datasets(props: { rows: IDataRow[] }): JSX.Element {
  if (props.rows.length === 0) {
    return <Empty>No datasets recorded.</Empty>;
  }
  return (
    <ul className="jp-mlops-datasets">
      {props.rows.map((row, i) => (
        <li key={i} data-dataset={row.name}>
          <strong>{row.name}</strong>{' '}
          <span className="jp-mlops-muted">
            {[row.role, row.detail].filter(Boolean).join(' · ')}
          </span>
          {row.contracts.length > 0 ? (
            <span className="jp-mlops-badges jp-mlops-contracts">
              {row.contracts.map(status => (
                <ContractBadge key={status.contract} status={status} />
              ))}
            </span>
          ) : null}
          <br />
          {row.digest ? <code title={`fingerprint ${row.digest}`}>{row.digest}</code> : null}
          {row.contracts
            .filter(status => !status.ok)
            .map(status => (
              <FailedChecks key={status.contract} status={status} />
            ))}
        </li>
      ))}
    </ul>
  );
}

/** The failing checks of a violated contract: check, column, message, example values. */
function FailedChecks(props: { status: IContractStatus }): JSX.Element {
  const { status } = props;
  return (
    <ul
      className="jp-mlops-contract-checks"
      aria-label={`Failing checks of contract ${status.contract}`}
      data-contract={status.contract}
      title={status.report ? `from ${status.report}` : undefined}
    >
      {status.violations.map((violation, i) => (
        <li key={i} data-check={violation.check} data-column={violation.column ?? undefined}>
          {violationText(violation)}
          {violation.rows.length > 0 ? (
            <div className="jp-mlops-contract-row">{rowText(violation.rows[0])}</div>
          ) : null}
        </li>
      ))}
      {status.more > 0 ? (
        <li className="jp-mlops-muted">
          … and {status.more} more (the run's artifact mlops/contracts/{status.contract}.json has
          them all)
        </li>
      ) : null}
    </ul>
  );
}
