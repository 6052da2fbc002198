/** The datasets of a run as the detail panel lists them. */
import { IRunDetail } from '../api';

export interface IDataRow {
  name: string;
  role: string;
  /** the fingerprint */
  digest: string;
  detail: string;
}

/** MLflow dataset inputs plus our read/wrote tags, one row per name and fingerprint. */
export function dataRows(run: Pick<IRunDetail, 'datasets' | 'data_inputs' | 'data_outputs'>): IDataRow[] {
  const rows: IDataRow[] = [
    ...run.datasets.map(d => ({
      name: d.name,
      role: d.role ?? d.context ?? 'input',
      digest: d.digest,
      detail: d.source_type
    })),
    ...run.data_inputs.map(d => ({ name: d.name ?? '', role: 'read', digest: d.digest ?? '', detail: d.kind ?? '' })),
    ...run.data_outputs.map(d => ({ name: d.name ?? '', role: 'wrote', digest: d.digest ?? '', detail: d.kind ?? '' }))
  ];
  const seen = new Set<string>();
  return rows.filter(row => {
    const key = row.name + '@' + row.digest.slice(0, 16);
    const fresh = !seen.has(key);
    seen.add(key);
    return fresh;
  });
}
