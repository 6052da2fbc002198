import { dataRows } from '../src/model/datasets';

describe('dataRows', () => {
  it('lists MLflow dataset inputs and our tags once per name and fingerprint', () => {
    const rows = dataRows({
      datasets: [
        {
          name: 'frame',
          digest: '5a6e4d8c2aca45c8',
          source_type: 'code',
          source: '{}',
          schema: null,
          profile: null,
          context: null,
          role: 'output',
          tags: {}
        }
      ],
      data_inputs: [{ name: 'raw', digest: 'ffff0000ffff0000aaaa', kind: 'pandas' }],
      data_outputs: [{ name: 'frame', digest: '5a6e4d8c2aca45c8e054', kind: 'pandas' }]
    });
    expect(rows).toEqual([
      { name: 'frame', role: 'output', digest: '5a6e4d8c2aca45c8', detail: 'code', contracts: [] },
      { name: 'raw', role: 'read', digest: 'ffff0000ffff0000aaaa', detail: 'pandas', contracts: [] }
    ]);
  });
});
