import { pickExperiment } from '../src/model/experiments';
import { SidebarModel } from '../src/model/sidebar';
import { experiment, FakeApi, run } from './fakeApi';

function setup() {
  const api = new FakeApi();
  api.experimentList = [
    experiment('3', 'other.ipynb', 5),
    experiment('2', 'work/train.ipynb', 2),
    experiment('0', 'Default', 0)
  ];
  api.runsByExperiment.set('2', [run('t1', 10), run('t2', 5)]);
  api.runsByExperiment.set('3', [run('o1', 20)]);
  return { api, model: new SidebarModel(api, 50) };
}

describe('choosing the experiment', () => {
  it('defaults to the active notebook experiment', async () => {
    const { model } = setup();
    await model.setNotebookPath('work/train.ipynb');
    await model.refresh();
    expect(model.selectedExperimentId).toBe('2');
    expect(model.runs.rows.map(r => r.run_id)).toEqual(['t1', 't2']);
  });

  it('falls back to the most recently active experiment with runs', async () => {
    const { model } = setup();
    await model.setNotebookPath('untracked.ipynb');
    await model.refresh();
    expect(model.selectedExperimentId).toBe('3');
  });

  it('keeps the user choice across polls, and follows the notebook again when it changes', async () => {
    const { model } = setup();
    await model.setNotebookPath('work/train.ipynb');
    await model.refresh();
    await model.selectExperiment('3');
    await model.refresh();
    expect(model.selectedExperimentId).toBe('3');
    await model.setNotebookPath('other.ipynb');
    await model.setNotebookPath('work/train.ipynb');
    expect(model.selectedExperimentId).toBe('2');
  });

  it('switches to the notebook experiment once its first run creates it', async () => {
    const { api, model } = setup();
    await model.setNotebookPath('new.ipynb');
    await model.refresh();
    expect(model.selectedExperimentId).toBe('3');
    api.experimentList = [experiment('9', 'new.ipynb', 1), ...api.experimentList];
    api.runsByExperiment.set('9', [run('n1', 99)]);
    await model.refresh();
    expect(model.selectedExperimentId).toBe('9');
    expect(model.runs.rows.map(r => r.run_id)).toEqual(['n1']);
  });

  it('matches a notebook path with a leading slash', () => {
    const list = [experiment('1', 'a/b.ipynb')];
    expect(
      pickExperiment(list, { current: null, userPicked: false, notebookPath: '/a/b.ipynb' })
    ).toBe('1');
    expect(pickExperiment([], { current: null, userPicked: false, notebookPath: 'x' })).toBeNull();
  });

  it('reports a failed refresh as a problem and rejects for backoff', async () => {
    const { api, model } = setup();
    api.failNext = Object.assign(new Error('Cannot reach the Jupyter server'), {
      status: 0,
      code: 'network_error'
    });
    await expect(model.refresh()).rejects.toThrow();
    expect(model.loaded).toBe(true);
    expect(model.problem?.code).toBe('network_error');
    await model.refresh();
    expect(model.problem).toBeNull();
  });
});
