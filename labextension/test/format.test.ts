import {
  columnValue,
  defaultColumns,
  formatDuration,
  formatTime,
  orderByClause,
  parseColumns
} from '../src/model/format';
import { query } from '../src/api';
import { run } from './fakeApi';

describe('format', () => {
  it('builds MLflow order_by clauses, quoting metric and param keys', () => {
    expect(orderByClause({ column: 'start_time', descending: true })).toBe(
      'attributes.start_time DESC'
    );
    expect(orderByClause({ column: 'metrics.val loss', descending: false })).toBe(
      'metrics.`val loss` ASC'
    );
    expect(orderByClause({ column: 'params.lr', descending: true })).toBe('params.`lr` DESC');
  });

  it('formats durations', () => {
    expect(formatDuration(null)).toBe('');
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(2500)).toBe('2.5 s');
    expect(formatDuration(125000)).toBe('2m 5s');
    expect(formatDuration(2 * 3600 * 1000 + 60000)).toBe('2h 1m');
  });

  it('formats times relative to now', () => {
    const now = 10_000_000;
    expect(formatTime(now - 5000, now)).toBe('just now');
    expect(formatTime(now - 5 * 60000, now)).toBe('5 min ago');
    expect(formatTime(null, now)).toBe('');
  });

  it('picks the common metrics then params as default columns', () => {
    const runs = [
      run('a', 1, { metrics: { acc: 0.9 }, params: { lr: '0.1', depth: '3' } }),
      run('b', 2, { metrics: { acc: 0.8, loss: 0.1 }, params: { lr: '0.2' } })
    ];
    expect(defaultColumns(runs, 3)).toEqual(['metrics.acc', 'metrics.loss', 'params.lr']);
    expect(columnValue(runs[0], 'metrics.acc')).toBe('0.9000');
    expect(columnValue(runs[0], 'params.lr')).toBe('0.1');
    expect(columnValue(runs[0], 'metrics.missing')).toBe('');
  });

  it('parses a column list, bare names meaning metrics', () => {
    expect(parseColumns(' acc, params.lr ,,metrics.loss')).toEqual([
      'metrics.acc',
      'params.lr',
      'metrics.loss'
    ]);
  });

  it('encodes repeated query values and skips empty ones', () => {
    expect(query({ a: '1', b: ['x y', 'z'], c: '', d: null, e: undefined })).toBe('?a=1&b=x+y&b=z');
    expect(query({})).toBe('');
  });
});
