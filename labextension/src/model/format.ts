/** Pure formatting and column helpers for the runs table and detail panel. */
import { IRunSummary } from '../api';

export interface ISort {
  /** 'start_time', 'end_time', 'run_name', 'status', 'metrics.KEY' or 'params.KEY' */
  column: string;
  descending: boolean;
}

export const DEFAULT_SORT: ISort = { column: 'start_time', descending: true };

/** The MLflow order_by clause for a sort, quoting keys that need backticks. */
export function orderByClause(sort: ISort): string {
  const direction = sort.descending ? 'DESC' : 'ASC';
  const match = /^(metrics|params|tags)\.(.+)$/.exec(sort.column);
  if (match) {
    return `${match[1]}.\`${match[2]}\` ${direction}`;
  }
  return `attributes.${sort.column} ${direction}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !isFinite(ms) || ms < 0) {
    return '';
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  const seconds = ms / 1000;
  if (seconds < 60) {
    return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m ${Math.round(seconds % 60)}s`;
  }
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** "just now", "5 min ago", "3 h ago", else the local date and time. */
export function formatTime(epochMs: number | null | undefined, now = Date.now()): string {
  if (!epochMs) {
    return '';
  }
  const age = (now - epochMs) / 1000;
  if (age < 0) {
    return new Date(epochMs).toLocaleString();
  }
  if (age < 45) {
    return 'just now';
  }
  if (age < 3600) {
    return `${Math.round(age / 60)} min ago`;
  }
  if (age < 86400) {
    return `${Math.round(age / 3600)} h ago`;
  }
  return new Date(epochMs).toLocaleString();
}

export function formatValue(value: number | string | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      return String(value);
    }
    return Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3
      ? value.toExponential(3)
      : value.toPrecision(4);
  }
  return value;
}

/** The value of a 'metrics.KEY' / 'params.KEY' column for a run. */
export function columnValue(run: IRunSummary, column: string): string {
  if (column.startsWith('metrics.')) {
    return formatValue(run.metrics[column.slice(8)]);
  }
  if (column.startsWith('params.')) {
    return formatValue(run.params[column.slice(7)]);
  }
  return '';
}

/**
 * Columns to show when the user chose none: the metrics, then the params, that most
 * loaded runs have, at most `max` in all.
 */
export function defaultColumns(runs: IRunSummary[], max = 3): string[] {
  const counts = new Map<string, number>();
  for (const run of runs.slice(0, 200)) {
    for (const key of Object.keys(run.metrics)) {
      counts.set('metrics.' + key, (counts.get('metrics.' + key) ?? 0) + 2);
    }
    for (const key of Object.keys(run.params)) {
      counts.set('params.' + key, (counts.get('params.' + key) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([key]) => key);
}

/** "metrics.acc, params.lr" -> ['metrics.acc', 'params.lr']; bare names mean metrics. */
export function parseColumns(text: string): string[] {
  return text
    .split(',')
    .map(part => part.trim())
    .filter(part => part.length > 0)
    .map(part => (/^(metrics|params)\./.test(part) ? part : 'metrics.' + part));
}

export function columnLabel(column: string): string {
  return column.replace(/^(metrics|params)\./, '');
}
