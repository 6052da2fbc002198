/**
 * Every recorded deployment with its live health (GET deployments), refreshed by its own
 * poll; which one the user picked (from the lineage graph) is highlighted.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { DeploymentStatus, IDeployment, IMLOpsApi } from '../api';
import { MonitoringModel } from './monitoring';
import { asProblem, IProblem } from './runs';
import { DEFAULT_SETTINGS, pollFrequency } from './settings';

const STATUSES: DeploymentStatus[] = ['healthy', 'unhealthy', 'stopped', 'unknown'];

/** The same key as the lineage graph's `deployment:NAME:PORT` node ids. */
export function deploymentKey(d: { name: string; port: number | string }): string {
  return `${d.name}:${d.port}`;
}

/** The key of a lineage `deployment:NAME:PORT` node id (names may hold ':'). */
export function keyOfNodeId(nodeId: string): string | null {
  return nodeId.startsWith('deployment:') ? nodeId.slice('deployment:'.length) : null;
}

/** NAME@ALIAS when deployed by alias, else NAME/VERSION. */
export function deploymentRef(d: Pick<IDeployment, 'name' | 'alias' | 'version'>): string {
  return d.alias ? `${d.name}@${d.alias}` : `${d.name}/${d.version}`;
}

/** Anything the server says that is not a known status reads as unknown. */
export function statusOf(status: string | null | undefined): DeploymentStatus {
  const s = (status ?? '').toLowerCase() as DeploymentStatus;
  return STATUSES.includes(s) ? s : 'unknown';
}

/** Set when the alias moved since the deployment started: the old version still serves. */
export function rolloutNote(
  d: Pick<IDeployment, 'alias' | 'alias_version' | 'version'>
): string | null {
  if (d.alias && d.alias_version && d.alias_version !== d.version) {
    return `alias now -> v${d.alias_version}, redeploy to roll out`;
  }
  return null;
}

/** 45 s, 12 min, 3 h 5 min, 2 d 4 h; '' when not running. */
export function formatUptime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds) || seconds < 0) {
    return '';
  }
  const s = Math.floor(seconds);
  if (s < 60) {
    return `${s} s`;
  }
  const minutes = Math.floor(s / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

export class DeploymentsModel {
  constructor(private readonly api: IMLOpsApi) {
    this.monitoring = new MonitoringModel(api);
  }

  /** each deployment's request figures and drift, refreshed with the list */
  readonly monitoring: MonitoringModel;

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get items(): readonly IDeployment[] {
    return this._items;
  }
  /** false until the first list arrived (or failed) */
  get loaded(): boolean {
    return this._loaded;
  }
  get error(): IProblem | null {
    return this._error;
  }
  get highlighted(): string | null {
    return this._highlighted;
  }

  find(key: string): IDeployment | undefined {
    return this._items.find(d => deploymentKey(d) === key);
  }

  /** What the poll calls: rejects on failure (keeping the last list) so it backs off. */
  async refresh(): Promise<void> {
    try {
      const items = await this.api.deployments();
      this._items = [...items].sort((a, b) => a.name.localeCompare(b.name) || a.port - b.port);
      this._error = null;
      await this.monitoring.refresh(this._items); // never rejects: failures stay per deployment
    } catch (error) {
      this._error = asProblem(error);
      throw error;
    } finally {
      this._loaded = true;
      this._changed.emit();
    }
  }

  highlight(key: string | null): void {
    this._highlighted = key;
    this._changed.emit();
  }

  private _items: IDeployment[] = [];
  private _loaded = false;
  private _error: IProblem | null = null;
  private _highlighted: string | null = null;
  private _changed = new Signal<this, void>(this);
}

/**
 * The deployments' own poll: every 5 s by default, backing off to 60 s on errors, standing
 * by while `visible()` is false or the page is hidden.
 */
export function deploymentsPoll(
  model: DeploymentsModel,
  visible: () => boolean,
  frequency = pollFrequency(
    DEFAULT_SETTINGS.deploymentsPollInterval,
    DEFAULT_SETTINGS.maxPollInterval
  )
): Poll {
  return new Poll({
    factory: () => model.refresh(),
    frequency,
    standby: () => (visible() ? 'when-hidden' : true),
    name: 'jupyter-mlops:deployments'
  });
}
