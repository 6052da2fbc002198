/**
 * Each deployment's monitoring (GET deployments/{id}/monitoring): request rate, latency
 * p50/p95, the last drift check's alert and per-feature drift, and the distributions of
 * the feature the user picked.  Refreshed with the deployments' own poll.
 */
import { ISignal, Signal } from '@lumino/signaling';

import {
  AlertStatus,
  IDeployment,
  IDeploymentMonitoring,
  IDistributionBin,
  IFeatureDrift,
  IMLOpsApi,
  IMonitoringAlert
} from '../api';
import { deploymentKey } from './deployments';
import { asProblem, IProblem } from './runs';

/** Requests per second as the sidebar shows them: per minute when below one a second. */
export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !isFinite(perSecond) || perSecond <= 0) {
    return '0 req/min';
  }
  if (perSecond < 1) {
    const perMinute = perSecond * 60;
    return `${perMinute < 10 ? perMinute.toFixed(1) : Math.round(perMinute)} req/min`;
  }
  return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)} req/s`;
}

/** 0.84 ms, 12 ms, 1.25 s; an en dash when there were no requests. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !isFinite(ms)) {
    return '–';
  }
  if (ms < 10) {
    return `${ms.toFixed(ms < 1 ? 2 : 1)} ms`;
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  return `${(ms / 1000).toFixed(2)} s`;
}

const ALERT_LABELS: Record<AlertStatus, string> = {
  alert: 'drift alert',
  ok: 'no drift',
  no_data: 'no data',
  none: 'not checked'
};

/** The alert badge: its status (unknown ones read as none), text and tooltip. */
export function alertBadge(alert: IMonitoringAlert | null | undefined): {
  status: AlertStatus;
  label: string;
  title: string;
} {
  const status: AlertStatus =
    alert && alert.status in ALERT_LABELS ? (alert.status as AlertStatus) : 'none';
  const drifted = alert?.drifted ?? [];
  const titles: Record<AlertStatus, string> = {
    alert: `The last drift check flagged ${drifted.join(', ')}`,
    ok: 'The last drift check found no column past its threshold',
    no_data: 'The last drift check had no logged requests to compare',
    none: 'No drift check yet: the server checks every few minutes, or run %monitor'
  };
  const label =
    status === 'alert' && drifted.length ? `drift: ${drifted.length}` : ALERT_LABELS[status];
  return { status, label, title: titles[status] };
}

/**
 * Where a drift bar ends and where its threshold mark sits, as fractions of the bar's
 * width: the threshold at the middle, so a bar past the middle crossed it (values over
 * twice the threshold fill the bar).
 */
export function driftBar(feature: Pick<IFeatureDrift, 'value' | 'threshold'>): {
  fill: number;
  mark: number;
} {
  const { value, threshold } = feature;
  if (value === null || !isFinite(value) || value < 0) {
    return { fill: 0, mark: 0.5 };
  }
  if (!(threshold > 0)) {
    return { fill: value > 0 ? 1 : 0, mark: 0 };
  }
  return { fill: Math.min(value / (2 * threshold), 1), mark: 0.5 };
}

export interface IOverlayBar {
  label: string;
  x: number;
  width: number;
  /** the reference's bar (filled) */
  refY: number;
  refHeight: number;
  /** the live bar (drawn over it, narrower) */
  liveY: number;
  liveHeight: number;
  reference: number;
  live: number;
}

/**
 * Bars of the live and reference shares of the same bins, for an SVG of `width` x
 * `height`: one slot per bin, both scaled to the largest share of either.
 */
export function overlayBars(
  bins: IDistributionBin[],
  width: number,
  height: number
): IOverlayBar[] {
  if (bins.length === 0) {
    return [];
  }
  const top = Math.max(...bins.map(b => Math.max(b.reference, b.live)), 1e-9);
  const slot = width / bins.length;
  const gap = Math.min(2, slot * 0.15);
  return bins.map((bin, i) => {
    const refHeight = (Math.max(bin.reference, 0) / top) * height;
    const liveHeight = (Math.max(bin.live, 0) / top) * height;
    return {
      label: bin.label,
      x: i * slot + gap / 2,
      width: slot - gap,
      refY: height - refHeight,
      refHeight,
      liveY: height - liveHeight,
      liveHeight,
      reference: bin.reference,
      live: bin.live
    };
  });
}

/** Percent with one decimal below 10 %. */
export function formatShare(share: number): string {
  const percent = share * 100;
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent)}%`;
}

export class MonitoringModel {
  constructor(private readonly api: IMLOpsApi) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** the last reply for a deployment key (NAME:PORT), or null */
  get(key: string): IDeploymentMonitoring | null {
    return this._replies.get(key) ?? null;
  }
  error(key: string): IProblem | null {
    return this._errors.get(key) ?? null;
  }
  /** the feature whose distributions are shown for this deployment */
  selected(key: string): string | null {
    return this._selected.get(key) ?? null;
  }
  /** the reply holding the selected feature's distributions (null while it loads) */
  detail(key: string): IDeploymentMonitoring | null {
    const found = this._details.get(key);
    return found && found.distribution?.feature === this.selected(key) ? found : null;
  }
  detailError(key: string): IProblem | null {
    return this._detailErrors.get(key) ?? null;
  }

  /**
   * Fetch every deployment's figures (and the selected feature's distributions); a
   * failure is kept per deployment and never rejects, so the deployments poll does not
   * back off for it.
   */
  async refresh(items: readonly IDeployment[]): Promise<void> {
    const keys = new Set(items.map(deploymentKey));
    for (const map of [
      this._replies,
      this._errors,
      this._selected,
      this._details,
      this._detailErrors
    ]) {
      for (const key of [...map.keys()]) {
        if (!keys.has(key)) {
          map.delete(key);
        }
      }
    }
    await Promise.all(
      [...keys].map(async key => {
        try {
          this._replies.set(key, await this.api.deploymentMonitoring(key));
          this._errors.delete(key);
        } catch (error) {
          this._errors.set(key, asProblem(error));
        }
        if (this.selected(key)) {
          await this._loadDetail(key);
        }
      })
    );
    this._changed.emit();
  }

  /** Show (or, with null or the same feature again, hide) a feature's distributions. */
  async select(key: string, feature: string | null): Promise<void> {
    if (feature === null || this.selected(key) === feature) {
      this._selected.delete(key);
      this._changed.emit();
      return;
    }
    this._selected.set(key, feature);
    this._detailErrors.delete(key);
    this._changed.emit();
    await this._loadDetail(key);
    this._changed.emit();
  }

  private async _loadDetail(key: string): Promise<void> {
    const feature = this.selected(key);
    try {
      const reply = await this.api.deploymentMonitoring(key, feature);
      if (this.selected(key) === feature) {
        this._details.set(key, reply);
        this._detailErrors.delete(key);
      }
    } catch (error) {
      if (this.selected(key) === feature) {
        this._detailErrors.set(key, asProblem(error));
      }
    }
  }

  private _replies = new Map<string, IDeploymentMonitoring>();
  private _errors = new Map<string, IProblem>();
  private _selected = new Map<string, string>();
  private _details = new Map<string, IDeploymentMonitoring>();
  private _detailErrors = new Map<string, IProblem>();
  private _changed = new Signal<this, void>(this);
}
