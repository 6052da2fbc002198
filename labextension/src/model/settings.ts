/**
 * The sidebar's user settings (schema/plugin.json): how often each poll runs and which
 * sections start open.  The registry validates user values against the schema; this
 * reads them once more so that a value it let through (an overrides.json written by
 * hand, a settings file from another version) can neither stop a poll nor hammer the
 * server: numbers are clamped into range, anything else falls back to the default.
 */

/** The sidebar's sections, in their order in the panel. */
export const SECTIONS = ['runs', 'runDetail', 'lineage', 'models', 'deployments'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface ISidebarSettings {
  /** experiments, runs and the shown run's detail (ms) */
  runsPollInterval: number;
  /** registered models (ms); cellExecuted() refreshes them sooner */
  modelsPollInterval: number;
  /** deployments and their live health (ms) */
  deploymentsPollInterval: number;
  /** the longest any poll backs off to while the server fails (ms) */
  maxPollInterval: number;
  /** which sections are open when the sidebar starts */
  openSections: Record<SectionName, boolean>;
}

/** Faster than this would load the server for little gain. */
export const MIN_POLL_INTERVAL = 1000;
/** An hour; slower than this is better had by closing the sidebar. */
export const MAX_POLL_INTERVAL = 3600000;

/** The sidebar's behaviour without settings; schema/plugin.json has the same defaults. */
export const DEFAULT_SETTINGS: Readonly<ISidebarSettings> = Object.freeze({
  runsPollInterval: 3000,
  modelsPollInterval: 15000,
  deploymentsPollInterval: 5000,
  maxPollInterval: 60000,
  // Room for the runs and a readable graph at the default height; models and
  // deployments open on demand (or when a lineage node leads there).
  openSections: Object.freeze({
    runs: true,
    runDetail: true,
    lineage: true,
    models: false,
    deployments: false
  })
});

type PollKey = 'runsPollInterval' | 'modelsPollInterval' | 'deploymentsPollInterval';
const POLL_KEYS: PollKey[] = ['runsPollInterval', 'modelsPollInterval', 'deploymentsPollInterval'];

function interval(value: unknown, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return fallback;
  }
  return Math.round(Math.min(MAX_POLL_INTERVAL, Math.max(MIN_POLL_INTERVAL, value)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The settings to apply from the registry's composite (user values over the schema's
 * defaults).  Missing keys, and sections missing from `openSections`, take the defaults.
 */
export function readSettings(composite: unknown): ISidebarSettings {
  const values = isRecord(composite) ? composite : {};
  const open = isRecord(values.openSections) ? values.openSections : {};
  const openSections = { ...DEFAULT_SETTINGS.openSections };
  for (const section of SECTIONS) {
    if (typeof open[section] === 'boolean') {
      openSections[section] = open[section];
    }
  }
  const settings: ISidebarSettings = {
    ...DEFAULT_SETTINGS,
    maxPollInterval: interval(values.maxPollInterval, DEFAULT_SETTINGS.maxPollInterval),
    openSections
  };
  for (const key of POLL_KEYS) {
    settings[key] = interval(values[key], DEFAULT_SETTINGS[key]);
  }
  return settings;
}

/** A poll's frequency: `interval`, doubling on errors up to `max` (never below `interval`). */
export function pollFrequency(
  interval: number,
  max: number
): { interval: number; backoff: true; max: number } {
  return { interval, backoff: true, max: Math.max(interval, max) };
}

/**
 * The sections to open or close when `next` replaces `previous` (all of them at start,
 * when there is no previous): only what the setting changed, so that a change of an
 * interval does not undo what the user opened or closed by hand.
 */
export function sectionChanges(
  previous: Readonly<Record<SectionName, boolean>> | null,
  next: Readonly<Record<SectionName, boolean>>
): { section: SectionName; open: boolean }[] {
  return SECTIONS.filter(section => previous === null || previous[section] !== next[section]).map(
    section => ({ section, open: next[section] })
  );
}
