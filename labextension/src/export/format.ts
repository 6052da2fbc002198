/**
 * Export to pipeline, without views: the dialog's defaults and checks, the request,
 * the report as rows to show, and an error as a message (and the cell at fault).
 * Mirrors jupyter_mlops/pipeline (identifier, default_out); the server stays the authority.
 */
import { ExportTarget, IExportFinding, IExportReport, IExportRequest } from '../api';

export interface ITargetInfo {
  target: ExportTarget;
  label: string;
  /** one line: what the target writes and how it runs */
  description: string;
  /** the default folder's suffix: NAME_<suffix> beside the notebook */
  suffix: string;
}

export const TARGETS: ReadonlyArray<ITargetInfo> = [
  {
    target: 'python',
    label: 'Python package',
    description: 'A standalone package: python -m NAME runs the steps in order, here or anywhere.',
    suffix: 'pipeline'
  },
  {
    target: 'airflow',
    label: 'Airflow DAG',
    description:
      'A TaskFlow DAG, one task per step, beside the package; copy it into your dags folder.',
    suffix: 'airflow'
  },
  {
    target: 'kfp',
    label: 'Kubeflow Pipelines',
    description:
      'A Kubeflow Pipelines v2 pipeline, one component per step; compile it with kfp, then upload.',
    suffix: 'kfp'
  }
];

export function targetInfo(target: ExportTarget): ITargetInfo {
  return TARGETS.find(info => info.target === target) ?? TARGETS[0];
}

/** What the user chose in the dialog, as typed. */
export interface IExportForm {
  target: ExportTarget;
  out: string;
  name: string;
}

const PYTHON_KEYWORDS = new Set(
  (
    'and as assert async await break class continue def del elif else except finally for ' +
    'from global if import in is lambda nonlocal not or pass raise return try while with yield'
  ).split(' ')
);

/** The name as the server makes it (pipeline/plan.py `identifier`). */
export function pipelineIdentifier(text: string, fallback = 'pipeline'): string {
  const name =
    text
      .trim()
      .replace(/[^\p{L}\p{N}_]+/gu, '_')
      .replace(/^_+|_+$/g, '')
      .toLowerCase() || fallback;
  return /^\p{Nd}/u.test(name) || PYTHON_KEYWORDS.has(name) ? `${fallback}_${name}` : name;
}

export function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** "a/b/train.v2.ipynb" -> "train.v2" (Python's Path.stem). */
export function notebookStem(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** The server's default folder: NAME_pipeline, NAME_airflow or NAME_kfp beside the notebook. */
export function defaultOutFolder(notebook: string, target: ExportTarget, name = ''): string {
  const folder = `${pipelineIdentifier(name.trim() || notebookStem(notebook))}_${targetInfo(target).suffix}`;
  const parent = folderOf(notebook);
  return parent ? `${parent}/${folder}` : folder;
}

export function initialForm(
  notebook: string,
  target: ExportTarget = 'python',
  name = ''
): IExportForm {
  return { target, name, out: defaultOutFolder(notebook, target, name) };
}

/**
 * The form after one field changed: while the folder is still the default it follows
 * the target and the name; once the user typed a folder of their own it is kept.
 */
export function updateForm(
  notebook: string,
  form: IExportForm,
  change: Partial<IExportForm>
): IExportForm {
  const next = { ...form, ...change };
  const followsDefault = form.out === defaultOutFolder(notebook, form.target, form.name);
  if (change.out === undefined && followsDefault) {
    next.out = defaultOutFolder(notebook, next.target, next.name);
  }
  return next;
}

export const MAX_NAME_LENGTH = 128;

/** The obvious mistakes, caught before the request; null when the form looks fine. */
export function validateForm(form: IExportForm): string | null {
  const out = form.out.trim();
  if (!out || /^\/+$/.test(out)) {
    return 'Choose an output folder: a new folder, relative to the Jupyter root.';
  }
  if (out.startsWith('/') || /^[A-Za-z]:[\\/]/.test(out)) {
    return `The output folder must be relative to the Jupyter root, not absolute: ${out}`;
  }
  if (out.split(/[\\/]/).includes('..')) {
    return `The output folder must stay inside the Jupyter root ('..' is not allowed): ${out}`;
  }
  if (form.name.trim().length > MAX_NAME_LENGTH) {
    return `The pipeline name is ${form.name.trim().length} characters; the limit is ${MAX_NAME_LENGTH}.`;
  }
  return null;
}

export function buildRequest(notebook: string, form: IExportForm): IExportRequest {
  const request: IExportRequest = {
    notebook,
    target: form.target,
    out: form.out.trim().replace(/\/+$/, '')
  };
  const name = form.name.trim();
  if (name) {
    request.name = name;
  }
  return request;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function pendingMessage(request: IExportRequest, saved: boolean): string {
  const what = `Exporting ${request.notebook} as ${targetInfo(request.target ?? 'python').label}…`;
  return saved ? `Saved unsaved changes. ${what}` : what;
}

export function successMessage(report: IExportReport, saved = false): string {
  const verb = saved ? 'Saved, then exported' : 'Exported';
  const warned = report.warnings.length ? `, ${plural(report.warnings.length, 'warning')}` : '';
  return `${verb} ${plural(report.steps.length, 'step')} to ${report.out} (${report.seconds.toFixed(1)} s)${warned}.`;
}

/** A cell as people count it: "cell 3". */
export function cellLabel(index: number | null | undefined): string {
  return typeof index === 'number' ? `cell ${index + 1}` : '';
}

export interface IStepRow {
  name: string;
  cell: string;
  after: string;
  params: string;
  inputs: string;
  outputs: string;
}

export interface IFindingRow {
  cell: string;
  cellIndex: number | null;
  /** the message goes on from the cell's label ("cell 2 left out: ..."): no colon between */
  continues: boolean;
  kind: string;
  message: string;
}

export interface IReportView {
  title: string;
  summary: string;
  steps: IStepRow[];
  shared: string;
  params: string;
  excluded: IFindingRow[];
  warnings: IFindingRow[];
  commands: string[];
}

/** The server sends each value as the Python literal it is (`1.0`, `'rf'`), since a JSON
 * number would lose how it was written (1.0 would read 1). */
function formatParam(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

export function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${formatParam(value)}`)
    .join(', ');
}

/**
 * A finding whose message starts with its cell ("cell 2 (id 7f3a…) left out: ...") shows
 * the label once: "cell 2 left out: ...", not "cell 2: cell 2 (id 7f3a…) left out: ...".
 */
function findingRow(finding: IExportFinding): IFindingRow {
  const cell = cellLabel(finding.cell);
  const named = cell
    ? new RegExp(`^${cell}(?![0-9])(?: \\(id [^)]*\\))?`).exec(finding.message)
    : null;
  return {
    cell,
    cellIndex: finding.cell,
    continues: named !== null,
    kind: finding.kind,
    message: named ? finding.message.slice(named[0].length) : finding.message
  };
}

/** What the report dialog shows, in order. */
export function reportView(report: IExportReport): IReportView {
  return {
    title: `Pipeline '${report.name}' (${targetInfo(report.target).label})`,
    summary:
      `${report.notebook} → ${report.out}: ${plural(report.steps.length, 'step')}, ` +
      `${plural(report.excluded.length, 'cell')} left out, ${plural(report.warnings.length, 'warning')}, ` +
      `${report.seconds.toFixed(2)} s.`,
    steps: report.steps.map(step => ({
      name: step.name,
      cell: cellLabel(step.cell),
      after: step.depends_on.length ? step.depends_on.join(', ') : '(first)',
      params: formatParams(step.params),
      inputs: Object.entries(step.inputs)
        .map(([variable, producer]) => `${variable} ← ${producer}`)
        .join(', '),
      outputs: step.outputs.join(', ')
    })),
    shared: report.shared_cells.map(index => cellLabel(index)).join(', '),
    params: formatParams(report.params),
    excluded: report.excluded.map(findingRow),
    warnings: report.warnings.map(findingRow),
    commands: report.next_steps
  };
}

/** An error as the export shows it; `cell` (0-based) when one cell is at fault. */
export interface IExportProblem {
  code: string;
  message: string;
  cell: number | null;
}

interface IErrorLike {
  status?: unknown;
  code?: unknown;
  message?: unknown;
  details?: unknown;
}

/** ApiError (request.ts) or anything thrown, duck-typed so this stays free of JupyterLab. */
export function exportProblem(error: unknown): IExportProblem {
  const e = (error ?? {}) as IErrorLike;
  const code = typeof e.code === 'string' ? e.code : 'error';
  const message = typeof e.message === 'string' && e.message ? e.message : String(error);
  const details = (e.details ?? {}) as Record<string, unknown>;
  const cell =
    Number.isInteger(details.cell) && (details.cell as number) >= 0
      ? (details.cell as number)
      : null;
  if (code === 'exists') {
    // The server words it for the CLI (--out); here the folder is a field of the dialog.
    const worded = message.replace('--out folder', 'output folder');
    return { code, cell, message: `Not exported, nothing written: ${worded}` };
  }
  if (e.status === 403) {
    return { code, cell, message: `Not allowed to export (it writes files): ${message}` };
  }
  return { code, cell, message: `Export failed: ${message}` };
}
