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
      request<IArtifactContent>(run(id) + '/artifact' + query({ path }))
  };
}
