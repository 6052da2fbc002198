/** The Experiments / Runs section: experiment picker, filter, columns, the runs table. */
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IExperiment, IRunSummary } from '../api';
import { readableFilterError } from '../model/filterError';
import { defaultColumns, formatTime, parseColumns } from '../model/format';
import { isBadQuery } from '../model/runs';
import { SidebarModel } from '../model/sidebar';
import { useChanged } from './hooks';
import { RunsTable } from './RunsTable';
import { Empty, Loading, Problem } from './states';

export class RunsSection extends ReactWidget {
  constructor(
    private readonly model: SidebarModel,
    private readonly refreshNow: () => void,
    private readonly compare: (runIds: string[]) => void = () => undefined
  ) {
    super();
    this.addClass('jp-mlops-runs-section');
    this.title.label = 'Experiments and runs';
  }

  render(): JSX.Element {
    return <RunsView model={this.model} refreshNow={this.refreshNow} compare={this.compare} />;
  }
}

function experimentLabel(e: IExperiment): string {
  const count = `${e.run_count}${e.run_count_capped ? '+' : ''} run${e.run_count === 1 ? '' : 's'}`;
  const when = e.last_activity ? `, ${formatTime(e.last_activity)}` : '';
  return `${e.name} (${count}${when})`;
}

function FilterError(props: { message: string }): JSX.Element {
  const { problem, hint } = readableFilterError(props.message);
  return (
    <div className="jp-mlops-filter-error" role="alert">
      <strong>Invalid filter:</strong> {problem}
      {hint ? <div className="jp-mlops-filter-hint">{hint}</div> : null}
    </div>
  );
}

function RunsView(props: {
  model: SidebarModel;
  refreshNow: () => void;
  compare: (runIds: string[]) => void;
}): JSX.Element {
  const { model } = props;
  useChanged(model.changed);
  useChanged(model.selection.changed);
  useChanged(model.runs.changed);
  useChanged(model.detail.changed);
  const [filter, setFilter] = React.useState(model.runs.query.filter);
  const [columnText, setColumnText] = React.useState('');

  const ticked = model.selection.ids;
  const settings = model.settings;
  const banner =
    settings && !settings.compatible ? (
      <Problem problem={{ status: 0, code: 'version_mismatch', message: settings.message }} />
    ) : model.problem ? (
      <Problem problem={model.problem} what="Cannot refresh" />
    ) : null;

  if (!model.loaded) {
    return (
      <div className="jp-mlops-section">
        {banner}
        <Loading what="experiments" />
      </div>
    );
  }
  const howTo = (
    <Empty>
      No tracked runs yet. Run <code>%load_ext jupyter_mlops</code>, then a cell that starts with{' '}
      <code>%%track</code>: its run appears here.
    </Empty>
  );
  if (model.experiments.length === 0) {
    return (
      <div className="jp-mlops-section">
        {banner}
        {model.problem ? null : howTo}
      </div>
    );
  }
  const nothingTracked = model.experiments.every(e => e.run_count === 0);

  const runs = model.runs;
  const columns = columnText.trim()
    ? parseColumns(columnText)
    : defaultColumns(runs.rows as IRunSummary[]);
  const select = (run: IRunSummary) => void model.selectRun(run.run_id);
  let body: JSX.Element;
  if (runs.error && runs.rows.length === 0 && !isBadQuery(runs.error)) {
    body = <Problem problem={runs.error} what="Cannot load runs" />;
  } else if (runs.initialising) {
    body = <Loading what="runs" />;
  } else if (runs.rows.length === 0 && !runs.error && nothingTracked && !runs.query.filter) {
    body = howTo;
  } else if (runs.rows.length === 0 && !runs.error) {
    body = (
      <Empty>
        {runs.query.filter
          ? 'No runs match this filter.'
          : 'No runs in this experiment yet. Run a %%track cell to add one.'}
      </Empty>
    );
  } else {
    body = (
      <RunsTable
        model={runs}
        columns={columns}
        selectedRunId={model.detail.runId}
        onSelect={select}
        onSort={sort => void model.setSort(sort)}
        ticked={id => model.selection.has(id)}
        onTick={run => model.selection.toggle(run.run_id)}
      />
    );
  }

  return (
    <div className="jp-mlops-section">
      {banner}
      <div className="jp-mlops-controls">
        <label className="jp-mlops-field">
          <span>Experiment</span>
          <select
            className="jp-mlops-experiment"
            value={model.selectedExperimentId ?? ''}
            onChange={event => void model.selectExperiment(event.target.value)}
          >
            {model.experiments.map(e => (
              <option key={e.experiment_id} value={e.experiment_id}>
                {experimentLabel(e)}
              </option>
            ))}
          </select>
        </label>
        <div className="jp-mlops-toolbar-row">
          <label title="Also list jupyter-mlops' own experiments (names starting with .mlops)">
            <input
              type="checkbox"
              checked={model.showInternal}
              onChange={event => void model.setShowInternal(event.target.checked)}
            />{' '}
            internal
          </label>
          <span>
            {ticked.length > 0 ? (
              <button
                className="jp-mlops-button jp-mlops-compare-clear"
                onClick={() => model.selection.clear()}
                title="Untick every run"
              >
                ×
              </button>
            ) : null}{' '}
            <button
              className="jp-mlops-button jp-mlops-compare-button"
              disabled={ticked.length < 2}
              onClick={() => props.compare([...ticked])}
              title={
                ticked.length < 2
                  ? 'Tick two or more runs in the table to compare them'
                  : `Compare the ${ticked.length} ticked runs side by side`
              }
            >
              Compare{ticked.length ? ` (${ticked.length})` : ''}
            </button>{' '}
            <button className="jp-mlops-button" onClick={props.refreshNow} title="Refresh now">
              Refresh
            </button>
          </span>
        </div>
        <form
          className="jp-mlops-field"
          onSubmit={event => {
            event.preventDefault();
            void model.setFilter(filter);
          }}
        >
          <span>Filter</span>
          <input
            className="jp-mlops-filter"
            type="search"
            value={filter}
            placeholder="metrics.accuracy > 0.9 and params.model = 'rf'"
            title="MLflow search syntax; press Enter to apply"
            onChange={event => setFilter(event.target.value)}
          />
        </form>
        {isBadQuery(runs.error) && runs.error ? <FilterError message={runs.error.message} /> : null}
        <label className="jp-mlops-field">
          <span>Columns</span>
          <input
            className="jp-mlops-columns"
            value={columnText}
            placeholder={columns.join(', ') || 'metrics.loss, params.lr'}
            title="Comma-separated metrics.KEY or params.KEY; empty picks the common ones"
            onChange={event => setColumnText(event.target.value)}
          />
        </label>
      </div>
      {body}
    </div>
  );
}
