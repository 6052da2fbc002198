/**
 * Types of the export endpoint (POST export), kept beside api.ts, which re-exports them.
 */

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
