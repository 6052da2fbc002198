/** A FakeApi that also answers lineage, models and deployments, with sample data. */
import {
  IDeployment,
  ILineageGraph,
  IMetricHistory,
  IModelDetail,
  IModelsPage,
  IModelSummary,
  IRunDetail
} from '../src/api';
import { FakeApi, runDetail } from './fakeApi';

export function deployment(extra: Partial<IDeployment> = {}): IDeployment {
  return {
    name: 'churn',
    version: '1',
    alias: 'champion',
    ref: 'churn@champion',
    model_uri: 'models:/churn/1',
    endpoint: 'http://127.0.0.1:5001',
    host: '127.0.0.1',
    port: 5001,
    pid: 4242,
    machine: 'here',
    started: 1_000_000,
    log: '/tmp/churn-5001.log',
    status: 'healthy',
    uptime_s: 12.5,
    alias_version: '1',
    ...extra
  };
}

export function summary(name: string, extra: Partial<IModelSummary> = {}): IModelSummary {
  return {
    name,
    description: '',
    aliases: {},
    latest_version: '1',
    created: 1,
    updated: 2,
    tags: {},
    ...extra
  };
}

/** features run -> X -> fit run -> logged model -> churn v1 -> @champion -> deployment (model lineage). */
export function sampleGraph(root: 'run' | 'model' = 'model'): ILineageGraph {
  return {
    root: root === 'run' ? { kind: 'run', id: 'run:fit' } : { kind: 'model', id: 'model:churn' },
    truncated: false,
    nodes: [
      {
        id: 'dataset:raw',
        kind: 'dataset',
        label: 'raw',
        digest: 'raw0123456789abcdef',
        names: ['raw']
      },
      {
        id: 'run:features',
        kind: 'run',
        label: 'features',
        run_id: 'features',
        status: 'FINISHED'
      },
      { id: 'dataset:x', kind: 'dataset', label: 'X', digest: 'x0123456789abcdef', names: ['X'] },
      { id: 'dataset:y', kind: 'dataset', label: 'y', digest: 'y0123456789abcdef', names: ['y'] },
      { id: 'run:fit', kind: 'run', label: 'fit', run_id: 'fit', status: 'FAILED' },
      {
        id: 'logged_model:m-1',
        kind: 'logged_model',
        label: 'model m-1',
        model_id: 'm-1',
        run_id: 'fit'
      },
      {
        id: 'model_version:churn/1',
        kind: 'model_version',
        label: 'churn v1',
        name: 'churn',
        version: '1',
        run_id: 'fit'
      },
      {
        id: 'model:churn',
        kind: 'registered_model',
        label: 'churn',
        name: 'churn',
        aliases: { champion: '1' }
      },
      {
        id: 'alias:churn@champion',
        kind: 'alias',
        label: '@champion',
        name: 'churn',
        alias: 'champion',
        version: '1'
      },
      {
        id: 'deployment:churn:5001',
        kind: 'deployment',
        label: 'http://127.0.0.1:5001',
        ...deployment()
      }
    ],
    edges: [
      { source: 'dataset:raw', target: 'run:features', kind: 'input' },
      { source: 'run:features', target: 'dataset:x', kind: 'output' },
      { source: 'run:features', target: 'dataset:y', kind: 'output' },
      { source: 'dataset:x', target: 'run:fit', kind: 'input' },
      { source: 'dataset:y', target: 'run:fit', kind: 'input' },
      { source: 'run:features', target: 'run:fit', kind: 'feeds', digest: 'x0123456789abcdef' },
      { source: 'run:fit', target: 'logged_model:m-1', kind: 'logged' },
      { source: 'logged_model:m-1', target: 'model_version:churn/1', kind: 'registered' },
      { source: 'model_version:churn/1', target: 'model:churn', kind: 'version_of' },
      { source: 'model_version:churn/1', target: 'alias:churn@champion', kind: 'alias' },
      { source: 'alias:churn@champion', target: 'deployment:churn:5001', kind: 'serves' }
    ]
  };
}

export function detail(name: string): IModelDetail {
  return {
    ...summary(name, { aliases: { champion: '1' } }),
    versions: [
      {
        version: '1',
        status: 'READY',
        run_id: 'fit',
        model_id: 'm-1',
        source: 'models:/m-1',
        created: 1,
        description: '',
        aliases: ['champion'],
        tags: {},
        lineage: {
          variable: 'model',
          flavor: 'sklearn',
          notebook: 'nb.ipynb',
          cell_id: 'c1',
          gate: null,
          datasets: []
        },
        deployments: [deployment({ status: 'unknown' })]
      }
    ]
  };
}

export class RegistryApi extends FakeApi {
  graphs = new Map<string, ILineageGraph>();
  /** all registered models, sorted by name; paged like the server (string offsets) */
  modelList: IModelSummary[] = [];
  deploymentList: IDeployment[] = [];
  lineageCalls: { run?: string; model?: string }[] = [];
  modelCalls: { filter?: string; pageToken?: string | null; pageSize?: number }[] = [];
  deploymentCalls = 0;
  failDeployments: Error | null = null;
  /** lineage replies wait for release() while set */
  holdLineage = false;
  private heldLineage: (() => void)[] = [];

  releaseLineage(): void {
    const held = this.heldLineage;
    this.heldLineage = [];
    held.forEach(resolve => resolve());
  }

  async run(id: string): Promise<IRunDetail> {
    return runDetail(id, 1);
  }
  async metricHistory(_id: string, key: string): Promise<IMetricHistory> {
    return { key, total: 0, points: [] };
  }
  async lineage(of: { run?: string; model?: string }): Promise<ILineageGraph> {
    this.lineageCalls.push(of);
    if (this.holdLineage) {
      await new Promise<void>(resolve => this.heldLineage.push(resolve));
    }
    const graph = this.graphs.get(of.run ? `run:${of.run}` : `model:${of.model}`);
    if (!graph) {
      throw Object.assign(new Error(`No run or model ${of.run ?? of.model}`), {
        status: 404,
        code: 'not_found'
      });
    }
    return graph;
  }
  async models(
    q: { filter?: string; pageToken?: string | null; pageSize?: number } = {}
  ): Promise<IModelsPage> {
    this.modelCalls.push(q);
    const all = this.modelList.filter(m => m.name.includes(q.filter ?? ''));
    const start = q.pageToken ? Number(q.pageToken) : 0;
    const size = q.pageSize ?? 100;
    const next = start + size < all.length ? String(start + size) : null;
    return { models: all.slice(start, start + size), next_page_token: next };
  }
  async model(name: string): Promise<IModelDetail> {
    if (!this.modelList.some(m => m.name === name)) {
      throw Object.assign(new Error(`No registered model '${name}'.`), {
        status: 404,
        code: 'not_found'
      });
    }
    return detail(name);
  }
  async deployments(): Promise<IDeployment[]> {
    this.deploymentCalls += 1;
    if (this.failDeployments) {
      throw this.failDeployments;
    }
    return this.deploymentList;
  }
}
