import { aliasList, ModelsModel, shortDigest } from '../src/model/models';
import { RegistryApi, summary } from './fakeRegistry';

function setup(count: number, pageSize = 10) {
  const api = new RegistryApi();
  api.modelList = Array.from({ length: count }, (_, i) =>
    summary(`m${String(i).padStart(3, '0')}`)
  );
  return { api, model: new ModelsModel(api, pageSize) };
}

describe('ModelsModel', () => {
  it('loads page one, then the next pages with the server token', async () => {
    const { api, model } = setup(25);
    await model.refresh();
    expect(model.rows.length).toBe(10);
    expect(model.hasMore).toBe(true);
    await model.loadMore();
    await model.loadMore();
    expect(model.rows.map(m => m.name)).toEqual(api.modelList.map(m => m.name));
    expect(model.hasMore).toBe(false);
    expect(api.modelCalls.map(q => q.pageToken ?? null)).toEqual([null, '10', '20']);
    await model.loadMore();
    expect(api.modelCalls.length).toBe(3);
  });

  it('keeps rows loaded beyond page one on refresh and picks up a new model', async () => {
    const { api, model } = setup(25);
    await model.refresh();
    await model.loadMore();
    api.modelList.unshift(summary('a-new-one'));
    await model.refresh();
    expect(model.rows.length).toBe(21);
    expect(model.rows[0].name).toBe('a-new-one');
    expect(new Set(model.rows.map(m => m.name)).size).toBe(21);
  });

  it('filters by name on the server and starts over', async () => {
    const { api, model } = setup(25);
    await model.refresh();
    await model.setFilter(' m01 ');
    expect(api.modelCalls[api.modelCalls.length - 1]).toEqual({
      filter: 'm01',
      pageToken: null,
      pageSize: 10
    });
    expect(model.rows.map(m => m.name)).toEqual([
      'm010',
      'm011',
      'm012',
      'm013',
      'm014',
      'm015',
      'm016',
      'm017',
      'm018',
      'm019'
    ]);
    expect(model.hasMore).toBe(false);
  });

  it('expands one model with its versions, collapses it, and reports a missing one', async () => {
    const { model } = setup(3);
    await model.refresh();
    await model.toggle('m001');
    expect(model.selected).toBe('m001');
    expect(model.detail?.versions[0].aliases).toEqual(['champion']);
    await model.toggle('m001');
    expect(model.selected).toBeNull();
    await model.select('gone', '2');
    expect(model.detailError?.status).toBe(404);
    expect(model.selectedVersion).toBe('2');
  });

  it('rejects a failed refresh (for the poll to back off) and keeps what it had', async () => {
    const { api, model } = setup(3);
    await model.refresh();
    api.models = async () => {
      throw Object.assign(new Error('store down'), { status: 503, code: 'store_unavailable' });
    };
    await expect(model.refresh()).rejects.toThrow('store down');
    expect(model.rows.length).toBe(3);
    expect(model.error?.code).toBe('store_unavailable');
  });
});

describe('model formatting', () => {
  it('shortens fingerprints and sorts aliases', () => {
    expect(shortDigest('0123456789abcdef0123')).toBe('0123456789ab');
    expect(shortDigest(undefined)).toBe('');
    expect(aliasList({ prod: '3', champion: '2' })).toEqual([
      ['champion', '2'],
      ['prod', '3']
    ]);
  });
});
