/** The Models section: registered models (filtered, paged), one expanded with its versions. */
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { IModelSummary } from '../api';
import { formatTime } from '../model/format';
import { aliasList, ModelsModel } from '../model/models';
import { AliasBadges } from './badges';
import { useChanged } from './hooks';
import { ModelVersions } from './ModelVersions';
import { Promotions } from './Promotions';
import { Empty, Loading, Problem } from './states';

export interface IModelActions {
  /** draw the lineage of NAME, NAME/VERSION or NAME@ALIAS */
  showLineage: (ref: string) => void;
  showRun: (runId: string) => void;
  /** the section was expanded (or the panel shown): time to refresh */
  shown: () => void;
}

export class ModelsSection extends ReactWidget {
  constructor(
    private readonly model: ModelsModel,
    private readonly actions: IModelActions
  ) {
    super();
    this.addClass('jp-mlops-models-section');
    this.title.label = 'Models';
  }

  render(): JSX.Element {
    return <ModelsView model={this.model} actions={this.actions} />;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.actions.shown();
  }
}

function ModelRow(props: {
  row: IModelSummary;
  model: ModelsModel;
  actions: IModelActions;
}): JSX.Element {
  const { row, model, actions } = props;
  const open = model.selected === row.name;
  const aliases = aliasList(row.aliases);
  return (
    <li className={`jp-mlops-model${open ? ' jp-mod-selected' : ''}`} data-model={row.name}>
      <div className="jp-mlops-model-head">
        <button
          className="jp-mlops-model-toggle"
          aria-expanded={open}
          onClick={() => void model.toggle(row.name)}
          title={open ? 'Collapse' : 'Show the versions'}
        >
          <span className="jp-mlops-caret">{open ? '▾' : '▸'}</span>
          <strong className="jp-mlops-model-name">{row.name}</strong>
        </button>
        <AliasBadges aliases={aliases.map(([alias]) => alias)} />
        <span className="jp-mlops-muted jp-mlops-model-latest">
          {row.latest_version ? `v${row.latest_version}` : ''}
        </span>
        <button
          className="jp-mlops-button jp-mlops-model-lineage"
          onClick={() => actions.showLineage(row.name)}
          title={`Draw the lineage of ${row.name}`}
        >
          Lineage
        </button>
      </div>
      {open ? (
        <div className="jp-mlops-model-body">
          {row.description ? <div className="jp-mlops-muted">{row.description}</div> : null}
          <div className="jp-mlops-muted">
            {aliases.map(([alias, version]) => `@${alias} -> v${version}`).join(', ')}
            {row.updated ? `${aliases.length ? ' · ' : ''}updated ${formatTime(row.updated)}` : ''}
          </div>
          {model.detailError ? (
            <Problem problem={model.detailError} what="Cannot load the model" />
          ) : null}
          {model.detail && model.detail.name === row.name ? (
            <ModelVersions
              detail={model.detail}
              highlight={model.selectedVersion}
              actions={actions}
            />
          ) : model.detailError ? null : (
            <Loading what="versions" />
          )}
          <Promotions
            name={row.name}
            load={model.promotions}
            showRun={actions.showRun}
            refresh={model.detail}
          />
        </div>
      ) : null}
    </li>
  );
}

function ModelsView(props: { model: ModelsModel; actions: IModelActions }): JSX.Element {
  const { model, actions } = props;
  useChanged(model.changed);
  const [filter, setFilter] = React.useState(model.filter);
  let rows = model.rows as IModelSummary[];
  // A model picked in the lineage graph is shown even when the list does not hold it.
  if (
    model.selected !== null &&
    model.detail?.name === model.selected &&
    !rows.some(r => r.name === model.selected)
  ) {
    rows = [model.detail, ...rows];
  }
  let body: JSX.Element;
  if (!model.loaded) {
    body = <Loading what="models" />;
  } else if (model.error && rows.length === 0) {
    body = <Problem problem={model.error} what="Cannot load the models" />;
  } else if (rows.length === 0) {
    body = (
      <Empty>
        {model.filter ? (
          'No registered model matches this filter.'
        ) : (
          <>
            No registered models yet. In a notebook, <code>%register VARIABLE --name NAME</code>{' '}
            registers a model fitted in a <code>%%track</code> cell.
          </>
        )}
      </Empty>
    );
  } else {
    body = (
      <ul className="jp-mlops-models">
        {rows.map(row => (
          <ModelRow key={row.name} row={row} model={model} actions={actions} />
        ))}
        {model.hasMore ? (
          <li>
            <button
              className="jp-mlops-button jp-mlops-more-models"
              disabled={model.loading}
              onClick={() => void model.loadMore()}
            >
              {model.loading ? 'Loading…' : 'More models'}
            </button>
          </li>
        ) : null}
      </ul>
    );
  }
  return (
    <div className="jp-mlops-section">
      <form
        className="jp-mlops-controls"
        onSubmit={event => {
          event.preventDefault();
          void model.setFilter(filter);
        }}
      >
        <label className="jp-mlops-field">
          <span>Name</span>
          <input
            className="jp-mlops-models-filter"
            type="search"
            value={filter}
            placeholder="part of a model name"
            title="Models whose name contains this text; press Enter to apply"
            onChange={event => setFilter(event.target.value)}
          />
        </label>
      </form>
      {model.error && rows.length > 0 ? (
        <Problem problem={model.error} what="Cannot refresh" />
      ) : null}
      {body}
    </div>
  );
}
