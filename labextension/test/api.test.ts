import packageJson from '../package.json';
import { CLIENT_VERSION, createApi } from '../src/api';

describe('createApi', () => {
  function recording() {
    const calls: string[] = [];
    const api = createApi(async <T>(endPoint: string) => {
      calls.push(endPoint);
      return { experiments: [], runs: [], next_page_token: null } as unknown as T;
    });
    return { api, calls };
  }

  it('sends the version handshake with settings', async () => {
    const { api, calls } = recording();
    await api.settings();
    expect(calls).toEqual([`settings?api_version=1&client_version=${packageJson.version}`]);
  });

  it('takes its client version from package.json', () => {
    expect(CLIENT_VERSION).toBe(packageJson.version);
    expect(CLIENT_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('builds the runs query with repeated order_by and the page token', async () => {
    const { api, calls } = recording();
    await api.runs({
      experimentId: '7',
      filter: "params.lr = '0.1'",
      orderBy: ['metrics.`a` DESC'],
      pageToken: 'tok',
      pageSize: 100
    });
    expect(calls[0]).toBe(
      'runs?experiment_id=7&filter=params.lr+%3D+%270.1%27&order_by=metrics.%60a%60+DESC&page_token=tok&page_size=100'
    );
  });

  it('encodes run ids, metric keys and artifact paths', async () => {
    const { api, calls } = recording();
    await api.metricHistory('abc', 'val/loss');
    await api.artifact('abc', 'mlops/cell.py');
    await api.experiments(true);
    expect(calls).toEqual([
      'runs/abc/metrics/val%2Floss',
      'runs/abc/artifact?path=mlops%2Fcell.py',
      'experiments?include_internal=true'
    ]);
  });
});
