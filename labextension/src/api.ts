/**
 * The typed REST client: one function per endpoint of jupyter_mlops/server/openapi.yaml,
 * and the response models it returns.
 */

import packageJson from '../package.json';
import type { IPromotionStatus } from './model/promotions';
import type { IDeploymentMonitoring } from './apiMonitoring';
import type { IExportReport, IExportRequest } from './apiExport';

export type {
  AlertStatus,
  IDeploymentMonitoring,
  IDistributionBin,
  IFeatureDistribution,
  IFeatureDrift,
  IMonitoringAlert,
  IReferenceSource,
  IRequestStats
} from './apiMonitoring';
export type {
  ExportTarget,
  IExportFinding,
  IExportReport,
  IExportRequest,
  IExportStep
} from './apiExport';

/** Bumped with the server's API_VERSION when the contract changes incompatibly. */
export const API_VERSION = '1';
/**
 * The version handshake's client version: labextension/package.json's, so a release bumps
 * it in one place (the build bundles that field).
 */
export const CLIENT_VERSION: string = packageJson.version;

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

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

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
  /** run detail only: why a folder could not be listed (e.g. a symlink out of the run's artifacts) */
  refused?: string | null;
}

/** A failing check of a data contract (core/contracts/report.py's Violation). */
export interface IContractViolation {
  check: string;
  column: string | null;
  message: string;
  count: number;
  examples: unknown[];
  rows: Record<string, unknown>[];
}

/** A contract a run checked its data against (%%track --expect NAME:VAR). */
export interface IContractStatus {
  contract: string;
  variable: string | null;
  /** fingerprint of the data checked: matches a dataset's */
  digest: string | null;
  file: string | null;
  status: 'passed' | 'failed';
  ok: boolean;
  checks: number | null;
  rows: number | null;
  failed_checks: number;
  violations: IContractViolation[];
  /** failing checks not listed */
  more: number;
  /** the report artifact read, or null when only the tag was */
  report: string | null;
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
  contracts: IContractStatus[];
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

/** One param or metric across the compared runs: a value per run (null where missing). */
export interface IComparedValues {
  key: string;
  values: (string | number | null)[];
  differs: boolean;
}

export interface IComparedHistory extends IMetricHistory {
  run_id: string;
}

export interface IComparison {
  /** in the order asked */
  runs: IRunSummary[];
  /** rows that differ first */
  params: IComparedValues[];
  metrics: IComparedValues[];
  /** the charted metric; null when no run has metrics */
  metric: string | null;
  /** the charted metric's history in each run that logged it */
  histories: IComparedHistory[];
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
  | 'exported'
  /** a retraining's decision run -> the version it registered */
  | 'triggered'
  /** a data file (by fingerprint) -> the version retrained on it */
  | 'retrained_on'
  /** the changed data file or the drift alert run -> the triggered decision */
  | 'caused';

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
  /** dataset nodes: a run in the graph checked this data against a contract and it failed */
  contract_failed?: boolean;
  contracts?: { name: string; status: 'passed' | 'failed'; run_id: string }[];
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
  /** 2 to 20 runs side by side and one metric's histories (default: the common one) */
  compare(runIds: string[], metric?: string | null): Promise<IComparison>;
  /** exactly one of run (a run id) or model (NAME, NAME@ALIAS or NAME/VERSION) */
  lineage(of: { run?: string; model?: string }): Promise<ILineageGraph>;
  models(q?: {
    filter?: string;
    pageToken?: string | null;
    pageSize?: number;
  }): Promise<IModelsPage>;
  model(name: string): Promise<IModelDetail>;
  /** every recorded deployment (or one model's) with live health */
  deployments(name?: string): Promise<IDeployment[]>;
  /** a deployment's (NAME:PORT) monitoring; with a feature, its distributions */
  deploymentMonitoring(id: string, feature?: string | null): Promise<IDeploymentMonitoring>;
  exportNotebook(request: IExportRequest): Promise<IExportReport>;
  /** a model's promotion history, pending triggers and retrainings under way */
  promotions(name: string): Promise<IPromotionStatus>;
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
    compare: (runIds: string[], metric?: string | null) =>
      request<IComparison>('compare' + query({ run_id: runIds, metric })),
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
      (await request<{ deployments: IDeployment[] }>('deployments' + query({ name }))).deployments,
    deploymentMonitoring: (id: string, feature?: string | null) =>
      request<IDeploymentMonitoring>(
        'deployments/' + encodeURIComponent(id) + '/monitoring' + query({ feature })
      ),
    exportNotebook: (body: IExportRequest) =>
      request<IExportReport>('export', { method: 'POST', body: JSON.stringify(body) }),
    promotions: (name: string) =>
      request<IPromotionStatus>('models/' + encodeURIComponent(name) + '/promotions')
  };
}
