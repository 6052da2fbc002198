/** The run shown in the detail section, with its metric histories loaded lazily. */
import { ISignal, Signal } from '@lumino/signaling';

import { IArtifactContent, IMetricHistory, IMLOpsApi, IRunDetail } from '../api';
import { asProblem, IProblem } from './runs';

export const MAX_CHARTS = 12;

export class DetailModel {
  constructor(private readonly api: IMLOpsApi) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get runId(): string | null {
    return this._runId;
  }
  get run(): IRunDetail | null {
    return this._run;
  }
  get loading(): boolean {
    return this._loading;
  }
  get error(): IProblem | null {
    return this._error;
  }
  history(key: string): IMetricHistory | IProblem | undefined {
    return this._histories.get(key);
  }
  get artifact(): IArtifactContent | IProblem | null {
    return this._artifact;
  }

  async show(runId: string | null): Promise<void> {
    this._runId = runId;
    this._run = null;
    this._error = null;
    this._artifact = null;
    this._histories.clear();
    this._loading = runId !== null;
    this._changed.emit();
    if (runId !== null) {
      await this._load(runId);
    }
  }

  /** Poll: reload the shown run while it is still running (metrics keep arriving). */
  async refresh(): Promise<void> {
    if (this._runId && this._run && ['RUNNING', 'SCHEDULED'].includes(this._run.status)) {
      await this._load(this._runId);
    }
  }

  async openArtifact(path: string): Promise<void> {
    const runId = this._runId;
    if (!runId) {
      return;
    }
    try {
      const content = await this.api.artifact(runId, path);
      if (runId === this._runId) {
        this._artifact = content;
      }
    } catch (error) {
      if (runId === this._runId) {
        this._artifact = asProblem(error);
      }
    }
    this._changed.emit();
  }

  private async _load(runId: string): Promise<void> {
    try {
      const run = await this.api.run(runId);
      if (runId !== this._runId) {
        return;
      }
      this._run = run;
      this._error = null;
    } catch (error) {
      if (runId === this._runId) {
        this._error = asProblem(error);
      }
    } finally {
      if (runId === this._runId) {
        this._loading = false;
        this._changed.emit();
      }
    }
    const keys = Object.keys(this._run?.metrics ?? {}).slice(0, MAX_CHARTS);
    await Promise.all(keys.map(key => this._loadHistory(runId, key)));
  }

  private async _loadHistory(runId: string, key: string): Promise<void> {
    let value: IMetricHistory | IProblem;
    try {
      value = await this.api.metricHistory(runId, key);
    } catch (error) {
      value = asProblem(error);
    }
    if (runId === this._runId) {
      this._histories.set(key, value);
      this._changed.emit();
    }
  }

  private _runId: string | null = null;
  private _run: IRunDetail | null = null;
  private _loading = false;
  private _error: IProblem | null = null;
  private _artifact: IArtifactContent | IProblem | null = null;
  private _histories = new Map<string, IMetricHistory | IProblem>();
  private _changed = new Signal<this, void>(this);
}
