/**
 * The lineage section's state: whose lineage is drawn (the run selected in the runs
 * table, or a model picked in the Models section), its graph and layout, and where a
 * click on a node leads (run detail, Models or Deployments).  A click on a run node shows
 * that run in the detail section but keeps the graph: the user is exploring it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { ILineageGraph, ILineageNode, IMLOpsApi } from '../api';
import { deploymentKey, DeploymentsModel } from './deployments';
import { DetailModel } from './detail';
import { ILineageLayout, layoutLineage } from './lineageLayout';
import { ModelsModel } from './models';
import { asProblem, IProblem } from './runs';

/** exactly one of run (a run id) or model (NAME, NAME@ALIAS or NAME/VERSION) */
export type LineageSubject =
  { run: string; model?: undefined } | { model: string; run?: undefined };

export type Route =
  | { section: 'run'; runId: string }
  | { section: 'models'; name: string; version: string | null }
  | { section: 'deployments'; key: string };

/** Where clicking a node leads; null for nodes with nowhere to go (datasets). */
export function routeFor(node: ILineageNode): Route | null {
  switch (node.kind) {
    case 'run':
    case 'logged_model':
      return node.run_id ? { section: 'run', runId: node.run_id } : null;
    case 'model_version':
    case 'alias':
      return node.name
        ? { section: 'models', name: node.name, version: node.version ?? null }
        : null;
    case 'registered_model':
      return node.name ? { section: 'models', name: node.name, version: null } : null;
    case 'deployment':
      return node.name && node.port !== undefined
        ? {
            section: 'deployments',
            key: deploymentKey({ name: node.name, port: node.port as number })
          }
        : null;
    default:
      return null;
  }
}

export function subjectLabel(subject: LineageSubject | null): string {
  if (subject === null) {
    return '';
  }
  return subject.run !== undefined ? `run ${subject.run.slice(0, 8)}` : `model ${subject.model}`;
}

export interface ILineageTargets {
  detail: DetailModel;
  models: ModelsModel;
  deployments: DeploymentsModel;
}

export class LineageModel {
  constructor(
    private readonly api: IMLOpsApi,
    private readonly targets: ILineageTargets
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  /** a click on a node sent the user to another section */
  get routed(): ISignal<this, Route> {
    return this._routed;
  }
  get subject(): LineageSubject | null {
    return this._subject;
  }
  get graph(): ILineageGraph | null {
    return this._graph;
  }
  get layout(): ILineageLayout | null {
    return this._layout;
  }
  get loading(): boolean {
    return this._loading;
  }
  get error(): IProblem | null {
    return this._error;
  }
  get selectedNodeId(): string | null {
    return this._selectedNodeId;
  }

  node(id: string | null): ILineageNode | undefined {
    return id === null ? undefined : this._graph?.nodes.find(n => n.id === id);
  }

  async show(subject: LineageSubject | null): Promise<void> {
    this._subject = subject;
    this._graph = null;
    this._layout = null;
    this._error = null;
    this._selectedNodeId = null;
    this._generation += 1;
    this._changed.emit();
    if (subject !== null) {
      await this._load();
    }
  }

  /** Fetch the same subject's graph again (after a cell ran: a new version, a deploy). */
  async refresh(): Promise<void> {
    if (this._subject !== null && !this._loading) {
      await this._load();
    }
  }

  /** A click on a node: select it and show what it stands for in its own section. */
  async activate(nodeId: string): Promise<Route | null> {
    const node = this.node(nodeId);
    if (!node) {
      return null;
    }
    this._selectedNodeId = nodeId;
    this._changed.emit();
    const route = routeFor(node);
    if (route === null) {
      return null;
    }
    if (route.section === 'run') {
      this._routed.emit(route);
      await this.targets.detail.show(route.runId);
    } else if (route.section === 'models') {
      this._routed.emit(route);
      await this.targets.models.select(route.name, route.version);
    } else {
      this.targets.deployments.highlight(route.key);
      this._routed.emit(route);
    }
    return route;
  }

  private async _load(): Promise<void> {
    const subject = this._subject as LineageSubject;
    const generation = this._generation;
    this._loading = true;
    this._changed.emit();
    try {
      const graph = await this.api.lineage(subject);
      if (generation !== this._generation) {
        return;
      }
      this._graph = graph;
      this._layout = layoutLineage(graph);
      this._error = null;
      if (this._selectedNodeId === null) {
        this._selectedNodeId = graph.root.id;
      }
    } catch (error) {
      if (generation === this._generation) {
        this._error = asProblem(error);
      }
    } finally {
      if (generation === this._generation) {
        this._loading = false;
        this._changed.emit();
      }
    }
  }

  private _subject: LineageSubject | null = null;
  private _graph: ILineageGraph | null = null;
  private _layout: ILineageLayout | null = null;
  private _loading = false;
  private _error: IProblem | null = null;
  private _selectedNodeId: string | null = null;
  private _generation = 0;
  private _changed = new Signal<this, void>(this);
  private _routed = new Signal<this, Route>(this);
}
