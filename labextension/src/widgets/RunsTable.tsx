/**
 * The runs table: virtualised (only the rows in view are in the DOM, so 10,000 runs
 * scroll like 10) and paged by the server (the next page loads near the end).
 */
import * as React from 'react';

import { IRunSummary } from '../api';
import { columnLabel, columnValue, formatDuration, formatTime, ISort } from '../model/format';
import { RunsModel } from '../model/runs';
import { nearEnd, visibleWindow } from '../model/window';
import { useChanged } from './hooks';

export const ROW_HEIGHT = 26;

interface IProps {
  model: RunsModel;
  columns: string[];
  selectedRunId: string | null;
  onSelect: (run: IRunSummary) => void;
  onSort: (sort: ISort) => void;
  /** runs ticked for comparison */
  ticked: (runId: string) => boolean;
  onTick: (run: IRunSummary) => void;
}

const FIXED = [
  { key: 'tick', label: '', title: 'Tick two or more runs to compare them', sortable: '' },
  { key: 'status', label: '', title: 'Status', sortable: 'status' },
  { key: 'run_name', label: 'Run', title: 'Run name', sortable: 'run_name' },
  { key: 'start_time', label: 'Started', title: 'Start time', sortable: 'start_time' },
  { key: 'duration', label: 'Duration', title: 'Duration', sortable: '' }
];

export function RunsTable(props: IProps): JSX.Element {
  const { model, columns } = props;
  useChanged(model.changed);
  const scroller = React.useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = React.useState(0);
  const [viewport, setViewport] = React.useState(400);

  React.useEffect(() => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    const observer = new ResizeObserver(() => setViewport(node.clientHeight || 400));
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  const rows = model.rows;
  const count = rows.length + (model.hasMore ? 1 : 0);
  const win = visibleWindow(scrollTop, viewport, ROW_HEIGHT, count);
  React.useEffect(() => {
    if (model.hasMore && nearEnd(win, rows.length)) {
      void model.loadMore();
    }
  });

  const template = `16px 14px minmax(110px, 2fr) 72px 60px${' minmax(64px, 1fr)'.repeat(columns.length)}`;
  // Narrow sidebars scroll sideways (header included) instead of squeezing columns.
  const minWidth =
    16 + 4 + 14 + 110 + 72 + 60 + 64 * columns.length + 4 * (3 + columns.length) + 16;
  const sort = model.query.sort;
  const header = [
    ...FIXED,
    ...columns.map(c => ({ key: c, label: columnLabel(c), title: c, sortable: c }))
  ];
  const clickHeader = (column: string) =>
    props.onSort({
      column,
      descending: sort.column === column ? !sort.descending : true
    });

  return (
    <div className="jp-mlops-table" role="table" aria-rowcount={count}>
      <div
        className="jp-mlops-scroller"
        ref={scroller}
        onScroll={event => setScrollTop((event.target as HTMLDivElement).scrollTop)}
      >
        <div
          className="jp-mlops-row jp-mlops-header"
          role="row"
          style={{ gridTemplateColumns: template, minWidth }}
        >
          {header.map(h => (
            <div
              key={h.key}
              role="columnheader"
              title={h.sortable ? `${h.title}: click to sort` : h.title}
              className={h.sortable ? 'jp-mlops-sortable' : ''}
              onClick={h.sortable ? () => clickHeader(h.sortable) : undefined}
            >
              {h.label}
              {sort.column === h.sortable && h.sortable ? (sort.descending ? ' ▾' : ' ▴') : ''}
            </div>
          ))}
        </div>
        <div style={{ height: win.height, position: 'relative', minWidth }}>
          <div style={{ transform: `translateY(${win.offset}px)` }}>
            {rows.slice(win.first, Math.min(win.last, rows.length)).map(run => (
              <RunRow
                key={run.run_id}
                run={run}
                columns={columns}
                template={template}
                minWidth={minWidth}
                selected={run.run_id === props.selectedRunId}
                onSelect={props.onSelect}
                ticked={props.ticked(run.run_id)}
                onTick={props.onTick}
              />
            ))}
            {model.hasMore && win.last >= rows.length ? (
              <div className="jp-mlops-row jp-mlops-more" style={{ height: ROW_HEIGHT }}>
                Loading more runs…
              </div>
            ) : null}
          </div>
        </div>
      </div>
    </div>
  );
}

function RunRow(props: {
  run: IRunSummary;
  columns: string[];
  template: string;
  minWidth: number;
  selected: boolean;
  onSelect: (run: IRunSummary) => void;
  ticked: boolean;
  onTick: (run: IRunSummary) => void;
}): JSX.Element {
  const { run } = props;
  return (
    <div
      className={'jp-mlops-row jp-mlops-run' + (props.selected ? ' jp-mod-selected' : '')}
      role="row"
      data-run-id={run.run_id}
      style={{ gridTemplateColumns: props.template, height: ROW_HEIGHT, minWidth: props.minWidth }}
      tabIndex={0}
      aria-selected={props.selected}
      onClick={() => props.onSelect(run)}
      onKeyDown={event => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          props.onSelect(run);
        }
      }}
      title={`${run.run_name} (${run.status})`}
    >
      <div role="cell" onClick={event => event.stopPropagation()}>
        <input
          type="checkbox"
          className="jp-mlops-tick"
          checked={props.ticked}
          title="Compare this run"
          aria-label={`Compare ${run.run_name || run.run_id}`}
          onChange={() => props.onTick(run)}
          onKeyDown={event => event.stopPropagation()}
        />
      </div>
      <div role="cell">
        <span
          className={`jp-mlops-status jp-mlops-status-${run.status.toLowerCase()}`}
          title={run.status}
        />
      </div>
      <div role="cell" className="jp-mlops-name">
        {run.run_name || run.run_id.slice(0, 8)}
      </div>
      <div role="cell">{formatTime(run.start_time)}</div>
      <div role="cell">{formatDuration(run.duration_ms)}</div>
      {props.columns.map(c => (
        <div role="cell" key={c}>
          {columnValue(run, c)}
        </div>
      ))}
    </div>
  );
}
