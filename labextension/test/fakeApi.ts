/** An in-memory IMLOpsApi: pages through a list of runs with string tokens. */
import {
  IArtifactContent,
  IComparison,
  IDeployment,
  IDeploymentMonitoring,
  IExperiment,
  IExportReport,
  IExportRequest,
  ILineageGraph,
  IMetricHistory,
  IMLOpsApi,
  IModelDetail,
  IModelsPage,
  IRunDetail,
  IRunsQuery,
  IRunSummary,
  IServerSettings
} from '../src/api';
import type { IPromotionStatus } from '../src/model/promotions';

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

/** A run's detail as GET runs/{id} answers it, with no datasets or artifacts. */
export function runDetail(
  id: string,
  start: number,
  extra: Partial<IRunSummary> = {},
  detail: Partial<IRunDetail> = {}
): IRunDetail {
  return {
    ...run(id, start, extra),
    user_id: null,
    artifact_uri: '',
    source_name: null,
    cell_source: '',
    cell_execution_count: null,
    datasets: [],
    data_inputs: [],
    data_outputs: [],
    artifacts: [],
    contracts: [],
    ui_url: null,
    ...detail
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
      api_version: '1',
      server_version: '0.1.0',
      client_version: '0.1.0',
      compatible: true,
      message: '',
      mlflow_version: '3',
      python_version: '3.11',
      tracking_uri: 'sqlite:///x',
      embedded_store: true,
      ui_url: null,
      root: '/'
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
  async run(_id: string): Promise<IRunDetail> {
    throw new Error('not used');
  }
  async metricHistory(_id: string, _key: string): Promise<IMetricHistory> {
    throw new Error('not used');
  }
  async artifact(_id: string, _path: string): Promise<IArtifactContent> {
    throw new Error('not used');
  }
  async lineage(_of: { run?: string; model?: string }): Promise<ILineageGraph> {
    throw new Error('not used');
  }
  async models(): Promise<IModelsPage> {
    throw new Error('not used');
  }
  async model(_name: string): Promise<IModelDetail> {
    throw new Error('not used');
  }
  async deployments(_name?: string): Promise<IDeployment[]> {
    throw new Error('not used');
  }
  async promotions(_name: string): Promise<IPromotionStatus> {
    throw new Error('not used');
  }
  /** what deploymentMonitoring() answers, by id; the calls in monitoringCalls */
  monitoring = new Map<string, IDeploymentMonitoring>();
  monitoringCalls: { id: string; feature: string | null }[] = [];
  async deploymentMonitoring(id: string, feature?: string | null): Promise<IDeploymentMonitoring> {
    this.monitoringCalls.push({ id, feature: feature ?? null });
    this.take();
    const found = this.monitoring.get(id);
    if (!found) {
      throw Object.assign(new Error(`no deployment ${id}`), {
        status: 404,
        code: 'unknown_deployment'
      });
    }
    return found;
  }
  /** what compare() answers; the last call's arguments in compareCalls */
  comparison: IComparison | null = null;
  compareCalls: { runIds: string[]; metric: string | null }[] = [];
  async compare(runIds: string[], metric?: string | null): Promise<IComparison> {
    this.compareCalls.push({ runIds, metric: metric ?? null });
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    if (!this.comparison) {
      throw Object.assign(new Error('no comparison'), { status: 404, code: 'not_found' });
    }
    return this.comparison;
  }

  async exportNotebook(_request: IExportRequest): Promise<IExportReport> {
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
