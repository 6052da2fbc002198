import { RunsModel } from '../src/model/runs';
import { FakeApi, manyRuns, run } from './fakeApi';

function setup(count: number, pageSize = 100) {
  const api = new FakeApi();
  api.runsByExperiment.set('1', manyRuns(count));
  return { api, model: new RunsModel(api, pageSize) };
}

describe('RunsModel', () => {
  it('loads page one, then one page at a time with the server token', async () => {
    const { api, model } = setup(250);
    await model.setQuery({ experimentId: '1' });
    expect(model.rows.length).toBe(100);
    expect(model.hasMore).toBe(true);
    await model.loadMore();
    await model.loadMore();
    expect(model.rows.length).toBe(250);
    expect(model.hasMore).toBe(false);
    expect(api.queries.map(q => q.pageToken ?? null)).toEqual([null, '100', '200']);
    expect(api.queries[0].orderBy).toEqual(['attributes.start_time DESC']);
    await model.loadMore();
    expect(api.queries.length).toBe(3); // nothing more to ask for
  });

  it('never loads all 10,000 runs up front', async () => {
    const { api, model } = setup(10_000);
    await model.setQuery({ experimentId: '1' });
    expect(model.rows.length).toBe(100);
    expect(api.queries.length).toBe(1);
  });

  it('drops a page that arrives after the query changed', async () => {
    const { api, model } = setup(10);
    api.runsByExperiment.set('2', [run('other', 5)]);
    api.hold = true;
    const first = model.setQuery({ experimentId: '1' });
    const second = model.setQuery({ experimentId: '2' });
    api.release();
    await Promise.all([first, second]);
    expect(model.rows.map(r => r.run_id)).toEqual(['other']);
    expect(model.loading).toBe(false);
  });

  it('puts new runs on top on refresh and updates known ones in place', async () => {
    const { api, model } = setup(3);
    await model.setQuery({ experimentId: '1' });
    const runs = api.runsByExperiment.get('1')!;
    runs[0] = { ...runs[0], status: 'FAILED' };
    runs.unshift(run('new', 2_000_000, { status: 'RUNNING' }));
    await model.refresh();
    expect(model.rows.map(r => r.run_id)).toEqual(['new', 'r0', 'r1', 'r2']);
    expect(model.rows[1].status).toBe('FAILED');
  });

  it('keeps the rows loaded beyond page one when refreshing', async () => {
    const { model } = setup(250);
    await model.setQuery({ experimentId: '1' });
    await model.loadMore();
    await model.refresh();
    expect(model.rows.length).toBe(200);
  });

  it('shows a bad filter as an error and does not poll it again', async () => {
    const { api, model } = setup(3);
    api.failNext = Object.assign(new Error('Invalid filter: nope'), {
      status: 400,
      code: 'invalid_filter'
    });
    await model.setQuery({ experimentId: '1', filter: 'nope' });
    expect(model.error).toEqual({
      status: 400,
      code: 'invalid_filter',
      message: 'Invalid filter: nope'
    });
    expect(model.rows.length).toBe(0);
    await model.refresh();
    expect(api.queries.length).toBe(1);
    await model.setQuery({ filter: '' });
    expect(model.error).toBeNull();
    expect(model.rows.length).toBe(3);
  });

  it('rejects a failed refresh so the poll backs off', async () => {
    const { api, model } = setup(3);
    await model.setQuery({ experimentId: '1' });
    api.failNext = Object.assign(new Error('down'), { status: 503, code: 'store_unavailable' });
    await expect(model.refresh()).rejects.toThrow('down');
    expect(model.rows.length).toBe(3);
  });

  it('restarts from page one on refresh when sorted other than newest first', async () => {
    const { api, model } = setup(3);
    await model.setQuery({ experimentId: '1', sort: { column: 'metrics.acc', descending: true } });
    api.runsByExperiment.get('1')!.push(run('late', 1));
    await model.refresh();
    expect(model.rows.map(r => r.run_id)).toEqual(['r0', 'r1', 'r2', 'late']);
    expect(api.queries[0].orderBy).toEqual(['metrics.`acc` DESC']);
  });
});
