/**
 * Comparing runs: the runs picked in the table (CompareSelection), the comparison the
 * server sends for them (CompareModel, one request for all of them), and the geometry of
 * its two charts, without any DOM.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IComparedHistory, IComparison, IMLOpsApi } from '../api';
import { asProblem, IProblem } from './runs';

/** The server compares at most this many runs at once. */
export const MAX_COMPARED = 20;

/** Colours told apart by most people, one per compared run (cycled past ten). */
export const RUN_COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf'
];

export function runColour(index: number): string {
  return RUN_COLOURS[index % RUN_COLOURS.length];
}

/** The runs ticked in the runs table, in the order they were ticked. */
export class CompareSelection {
  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get ids(): readonly string[] {
    return this._ids;
  }
  has(runId: string): boolean {
    return this._ids.includes(runId);
  }
  /** Tick or untick a run; false when it would pass MAX_COMPARED. */
  toggle(runId: string): boolean {
    if (this.has(runId)) {
      this._ids = this._ids.filter(id => id !== runId);
    } else if (this._ids.length >= MAX_COMPARED) {
      return false;
    } else {
      this._ids = [...this._ids, runId];
    }
    this._changed.emit();
    return true;
  }
  clear(): void {
    if (this._ids.length) {
      this._ids = [];
      this._changed.emit();
    }
  }
  private _ids: string[] = [];
  private _changed = new Signal<this, void>(this);
}

export class CompareModel {
  constructor(private readonly api: IMLOpsApi) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get runIds(): readonly string[] {
    return this._runIds;
  }
  get comparison(): IComparison | null {
    return this._comparison;
  }
  get loading(): boolean {
    return this._loading;
  }
  get error(): IProblem | null {
    return this._error;
  }

  /** Compare these runs, charting `metric` (default: the one most of them have). */
  async show(runIds: readonly string[], metric: string | null = null): Promise<void> {
    this._runIds = [...runIds];
    const ask = ++this._asked;
    this._loading = true;
    this._error = null;
    this._changed.emit();
    try {
      const answer = await this.api.compare(this._runIds, metric);
      if (ask === this._asked) {
        this._comparison = answer;
      }
    } catch (error) {
      if (ask === this._asked) {
        this._error = asProblem(error);
      }
    } finally {
      if (ask === this._asked) {
        this._loading = false;
        this._changed.emit();
      }
    }
  }

  /** Chart another metric of the same runs. */
  setMetric(metric: string): Promise<void> {
    return this.show(this._runIds, metric);
  }

  private _runIds: string[] = [];
  private _comparison: IComparison | null = null;
  private _loading = false;
  private _error: IProblem | null = null;
  private _asked = 0;
  private _changed = new Signal<this, void>(this);
}

export interface IBar {
  runId: string;
  value: number | null;
  /** bar length in px (0 for a missing value) */
  length: number;
}

/** One bar per run for the chosen metric's last value, from zero (or the minimum when negative). */
export function metricBars(comparison: IComparison, width: number): IBar[] {
  const row = comparison.metrics.find(m => m.key === comparison.metric);
  const values = comparison.runs.map((_, i) => {
    const v = row?.values[i];
    return typeof v === 'number' ? v : null;
  });
  const known = values.filter((v): v is number => v !== null);
  const low = Math.min(0, ...known);
  const high = Math.max(0, ...known);
  const span = high - low || 1;
  return comparison.runs.map((run, i) => ({
    runId: run.run_id,
    value: values[i],
    length: values[i] === null ? 0 : Math.max(1, (((values[i] as number) - low) / span) * width)
  }));
}

export interface ILine {
  runId: string;
  /** SVG path, or '' when the run has no finite point */
  path: string;
  /** a lone point, drawn as a dot */
  dot: { x: number; y: number } | null;
}

export interface IOverlay {
  lines: ILine[];
  steps: [number, number];
  values: [number, number];
}

/** The histories on shared axes: step across, value up, with a 4 px inset. */
export function overlay(histories: IComparedHistory[], width: number, height: number): IOverlay {
  const finite = histories.map(h =>
    h.points.filter(
      (p): p is { step: number; value: number; timestamp: number } => p.value !== null
    )
  );
  const all = finite.flat();
  const steps: [number, number] = [
    Math.min(...all.map(p => p.step)),
    Math.max(...all.map(p => p.step))
  ];
  const values: [number, number] = [
    Math.min(...all.map(p => p.value)),
    Math.max(...all.map(p => p.value))
  ];
  const x = (s: number) =>
    steps[1] === steps[0] ? width / 2 : 4 + ((s - steps[0]) / (steps[1] - steps[0])) * (width - 8);
  const y = (v: number) =>
    values[1] === values[0]
      ? height / 2
      : height - 4 - ((v - values[0]) / (values[1] - values[0])) * (height - 8);
  const lines = histories.map((h, i) => {
    const points = finite[i];
    return {
      runId: h.run_id,
      path:
        points.length > 1
          ? points
              .map((p, j) => `${j ? 'L' : 'M'}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`)
              .join(' ')
          : '',
      dot: points.length === 1 ? { x: x(points[0].step), y: y(points[0].value) } : null
    };
  });
  return { lines, steps, values };
}
