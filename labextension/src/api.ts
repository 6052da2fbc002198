/**
 * The typed REST client: one function per endpoint of jupyter_mlops/server/openapi.yaml,
 * and the response models it returns.
 */

/** Bumped with the server's API_VERSION when the contract changes incompatibly. */
export const API_VERSION = '1';
export const CLIENT_VERSION = '0.1.0';

export interface IServerSettings {
  api_version: string;
  server_version: string;
  client_version: string | null;
  compatible: boolean;
  message: string;
  mlflow_version: string;
  python_version: string;
  tracking_uri: string;
  embedded_store: boolean;
  ui_url: string | null;
  root: string;
}

export interface IExperiment {
  experiment_id: string;
  name: string;
  lifecycle_stage: string;
  artifact_location: string;
  creation_time: number | null;
  last_update_time: number | null;
  run_count: number;
  run_count_capped: boolean;
  last_activity: number | null;
  internal: boolean;
  tags: Record<string, string>;
}

export type RunStatus =
  | 'RUNNING'
  | 'SCHEDULED'
  | 'FINISHED'
  | 'FAILED'
  | 'KILLED';

export interface IRunSummary {
  run_id: string;
  run_name: string;
  experiment_id: string;
  status: RunStatus;
  lifecycle_stage: string;
  start_time: number | null;
  end_time: number | null;
  duration_ms: number | null;
  params: Record<string, string>;
  /** null when the value is NaN or infinite (JSON has neither). */
  metrics: Record<string, number | null>;
  tags: Record<string, string>;
  notebook: string | null;
  cell_id: string | null;
}

export interface IRunsPage {
  runs: IRunSummary[];
  next_page_token: string | null;
}

export interface IDataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
  context: string | null;
  role: string | null;
  tags: Record<string, string>;
}

export interface IDataRef {
  name?: string;
  digest?: string;
  kind?: string;
  shape?: number[] | string;
}

export interface IFileInfo {
  path: string;
  is_dir: boolean;
  file_size: number | null;
}

export interface IRunDetail extends IRunSummary {
  user_id: string | null;
  artifact_uri: string;
  source_name: string | null;
  cell_source: string | null;
  cell_execution_count: string | null;
  datasets: IDataset[];
  data_inputs: IDataRef[];
  data_outputs: IDataRef[];
  artifacts: IFileInfo[];
  ui_url: string | null;
}

export interface IMetricPoint {
  step: number;
  value: number | null;
  timestamp: number;
}

export interface IMetricHistory {
  key: string;
  total: number;
  points: IMetricPoint[];
}

export interface IArtifactContent {
  path: string;
  kind: 'text' | 'image';
  size: number;
  truncated: boolean;
  content?: string;
  mime?: string;
  data?: string;
}

export type LineageNodeKind =
  | 'dataset'
  | 'run'
  | 'logged_model'
  | 'model_version'
  | 'registered_model'
  | 'alias'
  | 'deployment';

export type LineageEdgeKind =
  | 'input'
  | 'output'
  | 'feeds'
  | 'logged'
  | 'registered'
  | 'version_of'
  | 'alias'
  | 'serves'
  | 'exported';

/** A node of the lineage graph; other fields by kind (see core/lineage.py). */
export interface ILineageNode {
  id: string;
  kind: LineageNodeKind;
  label: string;
  run_id?: string | null;
  experiment_id?: string;
  status?: string;
  digest?: string;
  names?: string[];
  name?: string;
  version?: string;
  /** null on a deployment node deployed by version */
  alias?: string | null;
  aliases?: string[] | Record<string, string>;
  model_id?: string | null;
  notebook?: string | null;
  cell_id?: string | null;
  endpoint?: string;
  [field: string]: unknown;
}

export interface ILineageEdge {
  source: string;
  target: string;
  kind: LineageEdgeKind;
  digest?: string;
}

export interface ILineageGraph {
  root: { kind: 'run' | 'model'; id: string };
  truncated: boolean;
  nodes: ILineageNode[];
  edges: ILineageEdge[];
}

export interface IModelSummary {
  name: string;
  description: string;
  /** alias -> version */
  aliases: Record<string, string>;
  latest_version: string | null;
  created: number | null;
  updated: number | null;
  tags: Record<string, string>;
}

export interface IModelsPage {
  models: IModelSummary[];
  next_page_token: string | null;
}

export type DeploymentStatus = 'healthy' | 'unhealthy' | 'stopped' | 'unknown';

export interface IDeployment {
  name: string;
  /** the version that serves */
  version: string;
  alias: string | null;
  ref: string;
  model_uri: string;
  endpoint: string;
  host: string;
  port: number;
  pid: number;
  machine: string;
  /** epoch ms */
  started: number;
  log: string;
  status: DeploymentStatus;
  uptime_s: number | null;
  /** where the alias points now (differs from `version` until redeployed) */
  alias_version: string | null;
}

export interface IModelVersion {
  version: string;
  status: string;
  run_id: string | null;
  model_id: string | null;
  source: string;
  created: number | null;
  description: string;
  aliases: string[];
  tags: Record<string, string>;
  lineage: {
    variable: string | null;
    flavor: string | null;
    notebook: string | null;
    cell_id: string | null;
    gate: string | null;
    datasets: { name?: string; digest?: string; role?: string }[];
  };
  /** recorded deployments; status not checked here */
  deployments: IDeployment[];
}

export interface IModelDetail extends IModelSummary {
  /** newest first */
  versions: IModelVersion[];
}

export type ExportTarget = 'python' | 'airflow' | 'kfp';

export interface IExportRequest {
  /** relative to the Jupyter root */
  notebook: string;
  target?: ExportTarget;
  /** a new folder relative to the root; default beside the notebook */
  out?: string;
  name?: string;
}

export interface IExportFinding {
  kind: string;
  message: string;
  cell: number | null;
  cell_id?: string;
}

export interface IExportStep {
  name: string;
  /** 0-based */
  cell: number;
  cell_id: string | null;
  depends_on: string[];
  inputs: Record<string, string>;
  outputs: string[];
  params: Record<string, unknown>;
  metrics: string[];
  implicit: boolean;
  source_run_id: string | null;
}

export interface IExportReport {
  name: string;
  target: ExportTarget;
  notebook: string;
  out: string;
  steps: IExportStep[];
  shared_cells: number[];
  params: Record<string, unknown>;
  excluded: IExportFinding[];
  warnings: IExportFinding[];
  findings: IExportFinding[];
  next_steps: string[];
  seconds: number;
}

export interface IRunsQuery {
  experimentId: string;
  filter?: string;
  orderBy?: string[];
  pageToken?: string | null;
  pageSize?: number;
}

/** What the models need from the server; tests pass a fake. */
export interface IMLOpsApi {
  settings(): Promise<IServerSettings>;
  experiments(includeInternal?: boolean): Promise<IExperiment[]>;
  runs(query: IRunsQuery): Promise<IRunsPage>;
  run(runId: string): Promise<IRunDetail>;
  metricHistory(runId: string, key: string): Promise<IMetricHistory>;
  artifact(runId: string, path: string): Promise<IArtifactContent>;
  /** exactly one of run (a run id) or model (NAME, NAME@ALIAS or NAME/VERSION) */
  lineage(of: { run?: string; model?: string }): Promise<ILineageGraph>;
  models(q?: { filter?: string; pageToken?: string | null; pageSize?: number }): Promise<IModelsPage>;
  model(name: string): Promise<IModelDetail>;
  /** every recorded deployment (or one model's) with live health */
  deployments(name?: string): Promise<IDeployment[]>;
  exportNotebook(request: IExportRequest): Promise<IExportReport>;
}

type Request = <T>(endPoint: string, init?: RequestInit) => Promise<T>;

export function query(values: Record<string, string | string[] | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      params.append(key, item);
    }
  }
  const text = params.toString();
  return text ? '?' + text : '';
}

/** The REST client over a request function (normally `requestAPI`). */
export function createApi(request: Request): IMLOpsApi {
  const run = (id: string) => 'runs/' + encodeURIComponent(id);
  return {
    settings: () =>
      request<IServerSettings>(
        'settings' + query({ api_version: API_VERSION, client_version: CLIENT_VERSION })
      ),
    experiments: async (includeInternal = false) =>
      (
        await request<{ experiments: IExperiment[] }>(
          'experiments' + query({ include_internal: includeInternal ? 'true' : undefined })
        )
      ).experiments,
    runs: (q: IRunsQuery) =>
      request<IRunsPage>(
        'runs' +
          query({
            experiment_id: q.experimentId,
            filter: q.filter,
            order_by: q.orderBy,
            page_token: q.pageToken,
            page_size: q.pageSize ? String(q.pageSize) : undefined
          })
      ),
    run: (id: string) => request<IRunDetail>(run(id)),
    metricHistory: (id: string, key: string) =>
      request<IMetricHistory>(run(id) + '/metrics/' + encodeURIComponent(key)),
    artifact: (id: string, path: string) =>
      request<IArtifactContent>(run(id) + '/artifact' + query({ path })),
    lineage: of => request<ILineageGraph>('lineage' + query({ run: of.run, model: of.model })),
    models: (q = {}) =>
      request<IModelsPage>(
        'models' +
          query({
            filter: q.filter,
            page_token: q.pageToken,
            page_size: q.pageSize ? String(q.pageSize) : undefined
          })
      ),
    model: (name: string) => request<IModelDetail>('models/' + encodeURIComponent(name)),
    deployments: async (name?: string) =>
      (await request<{ deployments: IDeployment[] }>('deployments' + query({ name })))
        .deployments,
    exportNotebook: (body: IExportRequest) =>
      request<IExportReport>('export', { method: 'POST', body: JSON.stringify(body) })
  };
}
