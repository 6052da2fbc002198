/**
 * Everything the sidebar shows, without any widget: server settings (and the version
 * handshake), the experiments, which one is selected, its runs and the run in detail;
 * the lineage graph, registered models and deployments (each refreshed on its own).
 * `refresh()` is what the poll calls; it rejects on failure so the poll backs off.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IExperiment, IMLOpsApi, IServerSettings } from '../api';
import { CompareSelection } from './compare';
import { DeploymentsModel } from './deployments';
import { DetailModel } from './detail';
import { pickExperiment } from './experiments';
import { ISort } from './format';
import { LineageModel } from './lineage';
import { ModelsModel } from './models';
import { asProblem, IProblem, RunsModel } from './runs';

export class SidebarModel {
  constructor(
    readonly api: IMLOpsApi,
    pageSize = 100
  ) {
    this.runs = new RunsModel(api, pageSize);
    this.detail = new DetailModel(api);
    this.models = new ModelsModel(api);
    this.deployments = new DeploymentsModel(api);
    this.lineage = new LineageModel(api, this);
  }

  readonly runs: RunsModel;
  readonly detail: DetailModel;
  readonly models: ModelsModel;
  readonly deployments: DeploymentsModel;
  readonly lineage: LineageModel;
  /** the runs ticked for comparison */
  readonly selection = new CompareSelection();

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get settings(): IServerSettings | null {
    return this._settings;
  }
  get experiments(): readonly IExperiment[] {
    return this._experiments;
  }
  /** false until the first list of experiments arrived (or failed) */
  get loaded(): boolean {
    return this._loaded;
  }
  /** the last refresh's failure, shown as a banner until one succeeds */
  get problem(): IProblem | null {
    return this._problem;
  }
  get selectedExperimentId(): string | null {
    return this.runs.query.experimentId;
  }
  get notebookPath(): string | null {
    return this._notebookPath;
  }
  get showInternal(): boolean {
    return this._showInternal;
  }

  async refresh(): Promise<void> {
    try {
      if (this._settings === null) {
        this._settings = await this.api.settings();
      }
      this._experiments = await this.api.experiments(this._showInternal);
      this._loaded = true;
      const wanted = this._pick();
      if (wanted !== this.selectedExperimentId) {
        this._changed.emit();
        await this.runs.setQuery({ experimentId: wanted });
      } else {
        await this.runs.refresh();
        await this.detail.refresh();
      }
      this._problem = null;
    } catch (error) {
      this._loaded = true;
      this._problem = asProblem(error);
      throw error;
    } finally {
      this._changed.emit();
    }
  }

  /** The user chose an experiment in the list. */
  async selectExperiment(experimentId: string): Promise<void> {
    this._userPicked = true;
    this._changed.emit();
    if (experimentId !== this.selectedExperimentId) {
      await this.detail.show(null);
      await this.runs.setQuery({ experimentId });
    }
  }

  /** The user picked a run in the runs table: show it, and draw its lineage. */
  async selectRun(runId: string): Promise<void> {
    await Promise.all([this.lineage.show({ run: runId }), this.detail.show(runId)]);
  }

  /** The active notebook changed: follow it unless the user picked an experiment. */
  async setNotebookPath(path: string | null): Promise<void> {
    if (path === this._notebookPath) {
      return;
    }
    this._notebookPath = path;
    this._userPicked = false;
    const wanted = this._pick();
    this._changed.emit();
    if (wanted !== this.selectedExperimentId) {
      await this.runs.setQuery({ experimentId: wanted });
    }
  }

  async setShowInternal(show: boolean): Promise<void> {
    this._showInternal = show;
    await this.refresh().catch(() => undefined);
  }

  async setFilter(filter: string): Promise<void> {
    await this.runs.setQuery({ filter });
  }

  async setSort(sort: ISort): Promise<void> {
    await this.runs.setQuery({ sort });
  }

  private _pick(): string | null {
    return pickExperiment(this._experiments, {
      current: this.selectedExperimentId,
      userPicked: this._userPicked,
      notebookPath: this._notebookPath
    });
  }

  private _settings: IServerSettings | null = null;
  private _experiments: IExperiment[] = [];
  private _loaded = false;
  private _problem: IProblem | null = null;
  private _notebookPath: string | null = null;
  private _userPicked = false;
  private _showInternal = false;
  private _changed = new Signal<this, void>(this);
}
