/**
 * Types of the monitoring endpoint (GET deployments/{id}/monitoring), kept beside api.ts,
 * which re-exports them.
 */

/** GET deployments/{id}/monitoring: figures from the prediction log and the last drift check. */
export interface IDeploymentMonitoring {
  /** NAME:PORT */
  id: string;
  ref: string;
  name: string;
  version: string;
  port: number;
  has_reference: boolean;
  requests: IRequestStats;
  alert: IMonitoringAlert;
  /** the last drift check; null before any */
  check: {
    run_id: string;
    time: number;
    window: string;
    live_rows: number;
    version: string;
  } | null;
  /** the last check's table: each feature, then the prediction */
  features: IFeatureDrift[];
  /** with ?feature only */
  distribution: IFeatureDistribution | null;
  reference: IReferenceSource | null;
}

export interface IRequestStats {
  window_s: number;
  count: number;
  errors: number;
  rate_per_s: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  last_request: number | null;
}

export type AlertStatus = 'none' | 'ok' | 'alert' | 'no_data';

export interface IMonitoringAlert {
  status: AlertStatus;
  run_id: string | null;
  time: number | null;
  drifted: string[];
}

export interface IFeatureDrift {
  feature: string;
  role: 'feature' | 'prediction';
  kind: 'numeric' | 'categorical';
  statistic: string;
  /** null when no live row had the column */
  value: number | null;
  threshold: number;
  p_value: number | null;
  drifted: boolean;
  live_rows: number;
}

export interface IDistributionBin {
  label: string;
  low: number | null;
  high: number | null;
  /** shares, 0..1 */
  reference: number;
  live: number;
}

export interface IFeatureDistribution {
  feature: string;
  kind: 'numeric' | 'categorical';
  live_rows: number;
  reference_rows: number;
  bins: IDistributionBin[];
}

export interface IReferenceSource {
  run_id: string | null;
  notebook: string | null;
  cell_id: string | null;
  variable: string | null;
  rows: number;
  sampled_rows: number | null;
  datasets: { name: string; digest: string }[];
}
