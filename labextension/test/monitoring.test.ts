import { IDeploymentMonitoring, IDistributionBin } from '../src/api';
import { DeploymentsModel } from '../src/model/deployments';
import {
  alertBadge,
  driftBar,
  formatLatency,
  formatRate,
  formatShare,
  overlayBars
} from '../src/model/monitoring';
import { deployment, RegistryApi } from './fakeRegistry';

function reply(extra: Partial<IDeploymentMonitoring> = {}): IDeploymentMonitoring {
  return {
    id: 'churn:5001',
    ref: 'churn@champion',
    name: 'churn',
    version: '1',
    port: 5001,
    has_reference: true,
    requests: {
      window_s: 300,
      count: 600,
      errors: 1,
      rate_per_s: 2,
      latency_p50_ms: 2.5,
      latency_p95_ms: 8,
      last_request: 1
    },
    alert: { status: 'alert', run_id: 'r1', time: 1, drifted: ['a', 'plan'] },
    check: { run_id: 'r1', time: 1, window: '10000 rows', live_rows: 600, version: '1' },
    features: [
      {
        feature: 'a',
        role: 'feature',
        kind: 'numeric',
        statistic: 'ks',
        value: 0.4,
        threshold: 0.03,
        p_value: 0,
        drifted: true,
        live_rows: 600
      }
    ],
    distribution: null,
    reference: null,
    ...extra
  };
}

const BINS: IDistributionBin[] = [
  { label: '0 .. 1', low: 0, high: 1, reference: 0.5, live: 0.1 },
  { label: '1 .. 2', low: 1, high: 2, reference: 0.25, live: 0.4 },
  { label: '2 .. 3', low: 2, high: 3, reference: 0.25, live: 0.5 }
];

describe('monitoring formatting', () => {
  it('shows rates per minute below one a second', () => {
    expect(formatRate(0)).toBe('0 req/min');
    expect(formatRate(null)).toBe('0 req/min');
    expect(formatRate(0.05)).toBe('3.0 req/min');
    expect(formatRate(0.5)).toBe('30 req/min');
    expect(formatRate(2.345)).toBe('2.3 req/s');
    expect(formatRate(120.4)).toBe('120 req/s');
  });

  it('shows latencies in ms or s, and a dash without requests', () => {
    expect(formatLatency(null)).toBe('–');
    expect(formatLatency(0.842)).toBe('0.84 ms');
    expect(formatLatency(3.14)).toBe('3.1 ms');
    expect(formatLatency(42.4)).toBe('42 ms');
    expect(formatLatency(1250)).toBe('1.25 s');
    expect(formatShare(0.054)).toBe('5.4%');
    expect(formatShare(0.4)).toBe('40%');
  });

  it('labels the alert badge by the last check', () => {
    expect(alertBadge(reply().alert)).toMatchObject({ status: 'alert', label: 'drift: 2' });
    expect(alertBadge(reply().alert).title).toContain('a, plan');
    expect(alertBadge({ status: 'ok', run_id: 'r', time: 1, drifted: [] }).label).toBe('no drift');
    expect(alertBadge(null)).toMatchObject({ status: 'none', label: 'not checked' });
    expect(
      alertBadge({ status: 'weird' as 'ok', run_id: null, time: null, drifted: [] }).status
    ).toBe('none');
  });

  it('puts the threshold in the middle of a drift bar', () => {
    expect(driftBar({ value: 0.015, threshold: 0.03 })).toEqual({ fill: 0.25, mark: 0.5 });
    expect(driftBar({ value: 0.03, threshold: 0.03 }).fill).toBeCloseTo(0.5);
    expect(driftBar({ value: 0.9, threshold: 0.03 }).fill).toBe(1);
    expect(driftBar({ value: null, threshold: 0.03 })).toEqual({ fill: 0, mark: 0.5 });
    expect(driftBar({ value: 0.1, threshold: 0 })).toEqual({ fill: 1, mark: 0 });
  });

  it('scales live and reference bars of the same bins together', () => {
    const bars = overlayBars(BINS, 300, 100);
    expect(bars).toHaveLength(3);
    expect(bars[0].x).toBeCloseTo(1);
    expect(bars[0].width).toBeCloseTo(98);
    expect(bars[2].liveHeight).toBeCloseTo(100); // the largest share of either fills the height
    expect(bars[2].liveY).toBeCloseTo(0);
    expect(bars[0].refHeight).toBeCloseTo(100);
    expect(bars[0].liveHeight).toBeCloseTo(20);
    expect(bars[0].liveY).toBeCloseTo(80);
    expect(overlayBars([], 300, 100)).toEqual([]);
  });
});

describe('MonitoringModel', () => {
  it('fetches each deployment with the list, keeps failures per deployment, and loads a picked feature', async () => {
    const api = new RegistryApi();
    api.deploymentList = [deployment(), deployment({ port: 5002 })];
    api.monitoring.set('churn:5001', reply());
    const model = new DeploymentsModel(api);
    await model.refresh(); // the second deployment has no monitoring: kept as its error only
    const monitoring = model.monitoring;
    expect(monitoring.get('churn:5001')?.requests.count).toBe(600);
    expect(monitoring.get('churn:5002')).toBeNull();
    expect(monitoring.error('churn:5002')?.code).toBe('unknown_deployment');

    const withFeature = reply({
      distribution: {
        feature: 'a',
        kind: 'numeric',
        live_rows: 600,
        reference_rows: 3000,
        bins: BINS
      },
      reference: {
        run_id: 'fit',
        notebook: 'train.ipynb',
        cell_id: 'c9',
        variable: 'X',
        rows: 3000,
        sampled_rows: null,
        datasets: [{ name: 'X', digest: 'abcdef0123' }]
      }
    });
    api.monitoring.set('churn:5001', withFeature);
    await monitoring.select('churn:5001', 'a');
    expect(monitoring.selected('churn:5001')).toBe('a');
    expect(monitoring.detail('churn:5001')?.reference?.cell_id).toBe('c9');
    expect(api.monitoringCalls[api.monitoringCalls.length - 1]).toEqual({
      id: 'churn:5001',
      feature: 'a'
    });

    // each poll refreshes the picked feature too; a deployment that went away is forgotten
    api.deploymentList = [deployment()];
    const calls = api.monitoringCalls.length;
    await model.refresh();
    expect(api.monitoringCalls.slice(calls)).toEqual([
      { id: 'churn:5001', feature: null },
      { id: 'churn:5001', feature: 'a' }
    ]);
    expect(monitoring.error('churn:5002')).toBeNull();

    // the same feature again hides it
    await monitoring.select('churn:5001', 'a');
    expect(monitoring.selected('churn:5001')).toBeNull();
    expect(monitoring.detail('churn:5001')).toBeNull();
  });
});
