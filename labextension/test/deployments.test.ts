import {
  deploymentKey,
  deploymentRef,
  DeploymentsModel,
  deploymentsPoll,
  formatUptime,
  keyOfNodeId,
  rolloutNote,
  statusOf
} from '../src/model/deployments';
import { DEFAULT_SETTINGS } from '../src/model/settings';
import { deployment, RegistryApi } from './fakeRegistry';

describe('deployment formatting', () => {
  it('names a deployment by alias or by version', () => {
    expect(deploymentRef(deployment())).toBe('churn@champion');
    expect(deploymentRef(deployment({ alias: null, version: '3' }))).toBe('churn/3');
    expect(deploymentKey(deployment())).toBe('churn:5001');
    expect(keyOfNodeId('deployment:my:model:5001')).toBe('my:model:5001');
    expect(keyOfNodeId('run:x')).toBeNull();
  });

  it('says when the alias moved on and a redeploy is needed', () => {
    expect(rolloutNote(deployment({ version: '1', alias_version: '2' }))).toBe(
      'alias now -> v2, redeploy to roll out'
    );
    expect(rolloutNote(deployment({ version: '2', alias_version: '2' }))).toBeNull();
    expect(rolloutNote(deployment({ alias: null, alias_version: null }))).toBeNull();
  });

  it('formats uptimes and reads unknown statuses as unknown', () => {
    expect(formatUptime(null)).toBe('');
    expect(formatUptime(12.7)).toBe('12 s');
    expect(formatUptime(125)).toBe('2 min');
    expect(formatUptime(3600 * 3 + 300)).toBe('3 h 5 min');
    expect(formatUptime(7200)).toBe('2 h');
    expect(formatUptime(86400 * 2 + 3600 * 4)).toBe('2 d 4 h');
    expect(statusOf('HEALTHY')).toBe('healthy');
    expect(statusOf('running')).toBe('unknown');
    expect(statusOf(undefined)).toBe('unknown');
  });
});

describe('DeploymentsModel', () => {
  it('lists deployments sorted, keeps the last list when a refresh fails, and rejects for backoff', async () => {
    const api = new RegistryApi();
    api.deploymentList = [deployment({ name: 'zeta' }), deployment({ port: 6000 }), deployment()];
    const model = new DeploymentsModel(api);
    expect(model.loaded).toBe(false);
    await model.refresh();
    expect(model.items.map(deploymentKey)).toEqual(['churn:5001', 'churn:6000', 'zeta:5001']);
    api.failDeployments = Object.assign(new Error('down'), { status: 0, code: 'network_error' });
    await expect(model.refresh()).rejects.toThrow('down');
    expect(model.items.length).toBe(3);
    expect(model.error?.code).toBe('network_error');
    api.failDeployments = null;
    api.deploymentList = [deployment({ status: 'stopped', uptime_s: null })];
    await model.refresh();
    expect(model.error).toBeNull();
    expect(model.find('churn:5001')?.status).toBe('stopped');
  });

  it('is polled every 5 s with backoff to 60 s, and stands by while not visible', async () => {
    jest.useFakeTimers();
    try {
      const api = new RegistryApi();
      const model = new DeploymentsModel(api);
      let visible = true;
      const poll = deploymentsPoll(model, () => visible);
      expect(poll.frequency).toEqual({ interval: 5000, backoff: true, max: 60000 });
      await jest.advanceTimersByTimeAsync(DEFAULT_SETTINGS.deploymentsPollInterval * 3 + 100);
      const shown = api.deploymentCalls;
      expect(shown).toBeGreaterThanOrEqual(3);
      visible = false;
      await jest.advanceTimersByTimeAsync(DEFAULT_SETTINGS.deploymentsPollInterval * 4);
      expect(api.deploymentCalls).toBe(shown);
      visible = true;
      await poll.refresh();
      await jest.advanceTimersByTimeAsync(10);
      expect(api.deploymentCalls).toBe(shown + 1);
      poll.dispose();
    } finally {
      jest.useRealTimers();
    }
  });

  it('backs off while the server fails', async () => {
    jest.useFakeTimers();
    // Lumino draws each backed-off sleep at random; pin the draw so the
    // count of calls does not depend on luck
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const api = new RegistryApi();
      api.failDeployments = new Error('down');
      const poll = deploymentsPoll(new DeploymentsModel(api), () => true);
      await jest.advanceTimersByTimeAsync(DEFAULT_SETTINGS.deploymentsPollInterval * 6);
      // every 5 s would be 6 calls; doubling intervals make it fewer
      expect(api.deploymentCalls).toBeGreaterThan(0);
      expect(api.deploymentCalls).toBeLessThan(6);
      poll.dispose();
    } finally {
      random.mockRestore();
      jest.useRealTimers();
    }
  });
});
