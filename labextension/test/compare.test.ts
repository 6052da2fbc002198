import { createApi, IComparison } from '../src/api';
import {
  CompareModel,
  CompareSelection,
  MAX_COMPARED,
  metricBars,
  overlay
} from '../src/model/compare';
import { cellRunsFilter } from '../src/widgets/summaryLink';
import { FakeApi, run } from './fakeApi';

function comparison(): IComparison {
  return {
    runs: [run('a', 1), run('b', 2), run('c', 3)],
    params: [{ key: 'C', values: ['0.1', '1', null], differs: true }],
    metrics: [{ key: 'loss', values: [0.5, 1, null], differs: true }],
    metric: 'loss',
    histories: [
      {
        run_id: 'a',
        key: 'loss',
        total: 2,
        points: [
          { step: 0, value: 1, timestamp: 0 },
          { step: 4, value: 0.5, timestamp: 1 }
        ]
      },
      { run_id: 'b', key: 'loss', total: 1, points: [{ step: 0, value: 1, timestamp: 0 }] }
    ]
  };
}

describe('CompareSelection', () => {
  it('ticks in order, unticks, and stops at the server limit', () => {
    const s = new CompareSelection();
    s.toggle('a');
    s.toggle('b');
    s.toggle('a');
    expect(s.ids).toEqual(['b']);
    for (let i = 0; i < MAX_COMPARED + 3; i++) {
      s.toggle(`r${i}`);
    }
    expect(s.ids.length).toBe(MAX_COMPARED);
    s.clear();
    expect(s.ids).toEqual([]);
  });
});

describe('CompareModel', () => {
  it('asks once for all the runs, then again for another metric', async () => {
    const api = new FakeApi();
    api.comparison = comparison();
    const model = new CompareModel(api);
    await model.show(['a', 'b', 'c']);
    expect(api.compareCalls).toEqual([{ runIds: ['a', 'b', 'c'], metric: null }]);
    expect(model.comparison?.metric).toBe('loss');
    await model.setMetric('auc');
    expect(api.compareCalls[1]).toEqual({ runIds: ['a', 'b', 'c'], metric: 'auc' });
  });

  it('keeps the error to show it', async () => {
    const api = new FakeApi();
    const model = new CompareModel(api);
    await model.show(['a', 'zzz']);
    expect(model.error?.status).toBe(404);
    expect(model.loading).toBe(false);
  });
});

describe('charts', () => {
  it('draws a bar per run, none for a run without the metric', () => {
    const bars = metricBars(comparison(), 100);
    expect(bars.map(b => Math.round(b.length))).toEqual([50, 100, 0]);
    expect(bars[2].value).toBeNull();
  });

  it('overlays histories on shared axes; a one-point history is a dot', () => {
    const chart = overlay(comparison().histories, 108, 58);
    expect(chart.steps).toEqual([0, 4]);
    expect(chart.values).toEqual([0.5, 1]);
    expect(chart.lines[0].path).toBe('M4.0,4.0 L104.0,54.0');
    expect(chart.lines[1]).toEqual({ runId: 'b', path: '', dot: { x: 4, y: 4 } });
  });
});

describe('the compare request and the summary link', () => {
  it('repeats run_id', async () => {
    const asked: string[] = [];
    const api = createApi(async <T>(endPoint: string) => {
      asked.push(endPoint);
      return {} as T;
    });
    await api.compare(['a', 'b'], 'loss');
    expect(asked).toEqual(['compare?run_id=a&run_id=b&metric=loss']);
  });

  it('filters a cell by its id tag', () => {
    expect(cellRunsFilter("c'1")).toBe("tags.`mlops.cell.id` = 'c\\'1'");
  });
});
