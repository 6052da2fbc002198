import { IArtifactContent, IMetricHistory, IRunDetail } from '../src/api';
import { DetailModel } from '../src/model/detail';
import { IProblem } from '../src/model/runs';
import { FakeApi, runDetail } from './fakeApi';

class DetailApi extends FakeApi {
  status: 'RUNNING' | 'FINISHED' = 'FINISHED';
  runCalls = 0;
  async run(id: string): Promise<IRunDetail> {
    this.runCalls += 1;
    if (id === 'gone') {
      throw Object.assign(new Error('No run with id gone'), { status: 404, code: 'not_found' });
    }
    return runDetail(
      id,
      1,
      { metrics: { loss: 0.5, acc: 0.9 }, status: this.status },
      { cell_source: 'x = 1' }
    );
  }
  async metricHistory(_id: string, key: string): Promise<IMetricHistory> {
    if (key === 'acc') {
      throw Object.assign(new Error('history failed'), { status: 502, code: 'mlflow_error' });
    }
    return {
      key,
      total: 2,
      points: [
        { step: 0, value: 1, timestamp: 0 },
        { step: 1, value: 0.5, timestamp: 1 }
      ]
    };
  }
  async artifact(_id: string, path: string): Promise<IArtifactContent> {
    if (path.includes('..')) {
      throw Object.assign(new Error('refused'), { status: 400, code: 'invalid_path' });
    }
    return { path, kind: 'text', size: 5, truncated: false, content: 'hello' };
  }
}

describe('DetailModel', () => {
  it('loads the run, then each metric history, keeping failures per metric', async () => {
    const model = new DetailModel(new DetailApi());
    await model.show('r1');
    expect(model.run?.run_id).toBe('r1');
    expect(model.loading).toBe(false);
    expect((model.history('loss') as IMetricHistory).points.length).toBe(2);
    expect((model.history('acc') as IProblem).code).toBe('mlflow_error');
  });

  it('shows a 404 as an error, not a blank panel', async () => {
    const model = new DetailModel(new DetailApi());
    await model.show('gone');
    expect(model.run).toBeNull();
    expect(model.error).toEqual({ status: 404, code: 'not_found', message: 'No run with id gone' });
  });

  it('reloads only a running run on refresh', async () => {
    const api = new DetailApi();
    const model = new DetailModel(api);
    await model.show('r1');
    await model.refresh();
    expect(api.runCalls).toBe(1);
    api.status = 'RUNNING';
    await model.show('r1');
    await model.refresh();
    expect(api.runCalls).toBe(3);
  });

  it('previews an artifact or says why not', async () => {
    const model = new DetailModel(new DetailApi());
    await model.show('r1');
    await model.openArtifact('mlops/stdout.txt');
    expect((model.artifact as IArtifactContent).content).toBe('hello');
    await model.openArtifact('../x');
    expect((model.artifact as IProblem).code).toBe('invalid_path');
  });
});
