/** The datasets of a run as the detail panel lists them, with their contract checks. */
import { IContractStatus, IContractViolation, IRunDetail } from '../api';

export interface IDataRow {
  name: string;
  role: string;
  /** the fingerprint */
  digest: string;
  detail: string;
  /** the contracts the run checked this data against (%%track --expect) */
  contracts: IContractStatus[];
}

const short = (digest: string | null | undefined) => (digest ?? '').slice(0, 16);

/**
 * MLflow dataset inputs plus our read/wrote tags, one row per name and fingerprint.  Each
 * contract status goes to the row of the data it checked (same fingerprint, preferring the
 * variable's name); one that matches no row (the value was not a DataFrame, or the cell
 * ran with --no-data) gets a row of its own.
 */
export function dataRows(
  run: Pick<IRunDetail, 'datasets' | 'data_inputs' | 'data_outputs'> &
    Partial<Pick<IRunDetail, 'contracts'>>
): IDataRow[] {
  const rows: IDataRow[] = [
    ...run.datasets.map(d => ({
      name: d.name,
      role: d.role ?? d.context ?? 'input',
      digest: d.digest,
      detail: d.source_type,
      contracts: []
    })),
    ...run.data_inputs.map(d => ({
      name: d.name ?? '',
      role: 'read',
      digest: d.digest ?? '',
      detail: d.kind ?? '',
      contracts: []
    })),
    ...run.data_outputs.map(d => ({
      name: d.name ?? '',
      role: 'wrote',
      digest: d.digest ?? '',
      detail: d.kind ?? '',
      contracts: []
    }))
  ];
  const seen = new Set<string>();
  const unique: IDataRow[] = rows.filter(row => {
    const key = row.name + '@' + short(row.digest);
    const fresh = !seen.has(key);
    seen.add(key);
    return fresh;
  });
  for (const status of run.contracts ?? []) {
    const same = unique.filter(row => status.digest && short(row.digest) === short(status.digest));
    const row = same.find(r => r.name === status.variable) ?? same[0];
    if (row) {
      row.contracts.push(status);
    } else {
      unique.push({
        name: status.variable ?? status.contract,
        role: 'checked',
        digest: status.digest ?? '',
        detail: '',
        contracts: [status]
      });
    }
  }
  return unique;
}

/**
 * A failing check in one line: the check, and its message (which names the column), with a
 * few failing values when the message does not already give some.
 */
export function violationText(violation: IContractViolation, maxExamples = 5): string {
  const shown = violation.examples.slice(0, maxExamples).map(value => JSON.stringify(value));
  const more = violation.examples.length > maxExamples ? ', …' : '';
  const examples =
    shown.length && !violation.message.includes('e.g.') ? ` (e.g. ${shown.join(', ')}${more})` : '';
  return `${violation.check}: ${violation.message}${examples}`;
}

/** An example row of a failing check: "row 5: age=130, plan="basic"", cut to `width`. */
export function rowText(row: Record<string, unknown>, width = 120): string {
  const { index, ...values } = row;
  const text =
    `row ${JSON.stringify(index ?? '?')}: ` +
    Object.entries(values)
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(', ');
  return text.length <= width ? text : text.slice(0, width - 1) + '…';
}

/** The badge's words: "contract train: passed" / "contract train: 2 failed checks". */
export function contractLabel(status: IContractStatus): string {
  if (status.ok) {
    return `${status.contract}: passed`;
  }
  const n = status.failed_checks;
  return `${status.contract}: ${n} failed check${n === 1 ? '' : 's'}`;
}
