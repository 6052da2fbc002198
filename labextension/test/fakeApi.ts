/** An in-memory IMLOpsApi: pages through a list of runs with string tokens. */
import {
  IExperiment,
  IMLOpsApi,
  IRunsQuery,
  IRunSummary,
  IServerSettings
} from '../src/api';

export function run(id: string, start: number, extra: Partial<IRunSummary> = {}): IRunSummary {
  return {
    run_id: id,
    run_name: 'run-' + id,
    experiment_id: '1',
    status: 'FINISHED',
    lifecycle_stage: 'active',
    start_time: start,
    end_time: start + 10,
    duration_ms: 10,
    params: {},
    metrics: {},
    tags: {},
    notebook: 'nb.ipynb',
    cell_id: 'c1',
    ...extra
  };
}

export function experiment(id: string, name: string, runCount = 1): IExperiment {
  return {
    experiment_id: id,
    name,
    lifecycle_stage: 'active',
    artifact_location: '',
    creation_time: 0,
    last_update_time: 0,
    run_count: runCount,
    run_count_capped: false,
    last_activity: 0,
    internal: name.startsWith('.mlops'),
    tags: {}
  };
}

export class FakeApi implements IMLOpsApi {
  runsByExperiment = new Map<string, IRunSummary[]>();
  experimentList: IExperiment[] = [];
  queries: IRunsQuery[] = [];
  failNext: Error | null = null;
  /** resolve run pages only when release() is called */
  hold = false;
  private held: (() => void)[] = [];

  release(): void {
    const held = this.held;
    this.held = [];
    held.forEach(resolve => resolve());
  }

  async settings(): Promise<IServerSettings> {
    return {
      api_version: '1', server_version: '0.1.0', client_version: '0.1.0', compatible: true,
      message: '', mlflow_version: '3', python_version: '3.11', tracking_uri: 'sqlite:///x',
      embedded_store: true, ui_url: null, root: '/'
    };
  }
  async experiments(): Promise<IExperiment[]> {
    return this.take() ?? this.experimentList;
  }
  async runs(query: IRunsQuery) {
    this.queries.push(query);
    if (this.hold) {
      await new Promise<void>(resolve => this.held.push(resolve));
    }
    this.take();
    const all = this.runsByExperiment.get(query.experimentId) ?? [];
    const start = query.pageToken ? Number(query.pageToken) : 0;
    const size = query.pageSize ?? 50;
    const next = start + size < all.length ? String(start + size) : null;
    return { runs: all.slice(start, start + size), next_page_token: next };
  }
  async run(_id: string): Promise<any> {
    throw new Error('not used');
  }
  async metricHistory(_id: string, _key: string): Promise<any> {
    throw new Error('not used');
  }
  async artifact(_id: string, _path: string): Promise<any> {
    throw new Error('not used');
  }
  async lineage(_of: { run?: string; model?: string }): Promise<any> {
    throw new Error('not used');
  }
  async models(): Promise<any> {
    throw new Error('not used');
  }
  async model(_name: string): Promise<any> {
    throw new Error('not used');
  }
  async deployments(_name?: string): Promise<any> {
    throw new Error('not used');
  }
  async exportNotebook(_request: unknown): Promise<any> {
    throw new Error('not used');
  }
  private take(): undefined {
    const failure = this.failNext;
    if (failure) {
      this.failNext = null;
      throw failure;
    }
    return undefined;
  }
}

export function manyRuns(count: number): IRunSummary[] {
  return Array.from({ length: count }, (_, i) => run(`r${i}`, 1_000_000 - i));
}
