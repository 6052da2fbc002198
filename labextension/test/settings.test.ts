import { Poll } from '@lumino/polling';

import schema from '../schema/plugin.json';
import {
  DEFAULT_SETTINGS,
  MAX_POLL_INTERVAL,
  MIN_POLL_INTERVAL,
  pollFrequency,
  readSettings,
  SECTIONS,
  sectionChanges
} from '../src/model/settings';

describe('the sidebar settings', () => {
  it('default to the sidebar behaviour before there were settings', () => {
    const expected = {
      runsPollInterval: 3000,
      modelsPollInterval: 15000,
      deploymentsPollInterval: 5000,
      maxPollInterval: 60000,
      openSections: {
        runs: true,
        runDetail: true,
        lineage: true,
        models: false,
        deployments: false
      }
    };
    expect(DEFAULT_SETTINGS).toEqual(expected);
    expect(readSettings({})).toEqual(expected);
    expect(readSettings(undefined)).toEqual(expected);
    expect(readSettings(null)).toEqual(expected);
  });

  it('have the same defaults and bounds in schema/plugin.json', () => {
    const properties = schema.properties;
    const keys = [
      'runsPollInterval',
      'modelsPollInterval',
      'deploymentsPollInterval',
      'maxPollInterval'
    ] as const;
    for (const key of keys) {
      expect([key, properties[key].default]).toEqual([key, DEFAULT_SETTINGS[key]]);
      expect(properties[key].minimum).toBe(MIN_POLL_INTERVAL);
      expect(properties[key].maximum).toBe(MAX_POLL_INTERVAL);
    }
    expect(properties.openSections.default).toEqual(DEFAULT_SETTINGS.openSections);
    expect(Object.keys(properties.openSections.properties)).toEqual([...SECTIONS]);
    for (const section of SECTIONS) {
      expect(properties.openSections.properties[section].default).toBe(
        DEFAULT_SETTINGS.openSections[section]
      );
    }
    expect(Object.keys(properties).sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort());
  });

  it('take the user values', () => {
    const settings = readSettings({
      runsPollInterval: 10000,
      modelsPollInterval: 2000,
      deploymentsPollInterval: 30000,
      maxPollInterval: 120000,
      openSections: { runs: false, models: true }
    });
    expect(settings).toEqual({
      runsPollInterval: 10000,
      modelsPollInterval: 2000,
      deploymentsPollInterval: 30000,
      maxPollInterval: 120000,
      // the sections not named keep their defaults
      openSections: {
        runs: false,
        runDetail: true,
        lineage: true,
        models: true,
        deployments: false
      }
    });
  });

  it('clamp intervals out of range and round them to whole milliseconds', () => {
    const settings = readSettings({
      runsPollInterval: 10,
      modelsPollInterval: -5,
      deploymentsPollInterval: 1e12,
      maxPollInterval: 1500.6
    });
    expect(settings.runsPollInterval).toBe(MIN_POLL_INTERVAL);
    expect(settings.modelsPollInterval).toBe(MIN_POLL_INTERVAL);
    expect(settings.deploymentsPollInterval).toBe(MAX_POLL_INTERVAL);
    expect(settings.maxPollInterval).toBe(1501);
  });

  it('fall back to the defaults for values of the wrong type', () => {
    const settings = readSettings({
      runsPollInterval: '3000',
      modelsPollInterval: null,
      deploymentsPollInterval: Number.NaN,
      maxPollInterval: Number.POSITIVE_INFINITY,
      openSections: { runs: 'no', models: 1, deployments: true }
    });
    expect(settings).toEqual({
      ...DEFAULT_SETTINGS,
      openSections: { ...DEFAULT_SETTINGS.openSections, deployments: true }
    });
    expect(readSettings({ openSections: [true, false] })).toEqual(DEFAULT_SETTINGS);
    expect(readSettings('runsPollInterval=1')).toEqual(DEFAULT_SETTINGS);
  });

  it('never hand a poll a backoff limit below its interval', () => {
    const settings = readSettings({ modelsPollInterval: 120000, maxPollInterval: 60000 });
    expect(pollFrequency(settings.modelsPollInterval, settings.maxPollInterval)).toEqual({
      interval: 120000,
      backoff: true,
      max: 120000
    });
    // Lumino rejects an interval above max: the frequency must be one it accepts.
    const poll = new Poll({
      factory: async () => undefined,
      frequency: pollFrequency(3000, 60000),
      standby: () => true
    });
    try {
      expect(() => {
        poll.frequency = pollFrequency(settings.modelsPollInterval, settings.maxPollInterval);
      }).not.toThrow();
      expect(poll.frequency.interval).toBe(120000);
    } finally {
      poll.dispose();
    }
  });

  it('open or close every section at start, and later only those whose setting changed', () => {
    const start = sectionChanges(null, DEFAULT_SETTINGS.openSections);
    expect(start).toEqual([
      { section: 'runs', open: true },
      { section: 'runDetail', open: true },
      { section: 'lineage', open: true },
      { section: 'models', open: false },
      { section: 'deployments', open: false }
    ]);
    const next = { ...DEFAULT_SETTINGS.openSections, models: true, lineage: false };
    expect(sectionChanges(DEFAULT_SETTINGS.openSections, next)).toEqual([
      { section: 'lineage', open: false },
      { section: 'models', open: true }
    ]);
    expect(sectionChanges(next, { ...next })).toEqual([]);
  });
});
