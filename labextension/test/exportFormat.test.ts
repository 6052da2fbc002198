import { IExportReport } from '../src/api';
import {
  buildRequest,
  defaultOutFolder,
  exportProblem,
  initialForm,
  notebookStem,
  pendingMessage,
  pipelineIdentifier,
  reportView,
  successMessage,
  updateForm,
  validateForm
} from '../src/export/format';

/** An ApiError as request.ts throws it (that module pulls in JupyterLab's services). */
class FakeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {}
  ) {
    super(message);
  }
}

function report(overrides: Partial<IExportReport> = {}): IExportReport {
  return {
    name: 'demo',
    target: 'python',
    notebook: 'work/demo.ipynb',
    out: 'work/demo_pipeline',
    steps: [
      {
        name: 'load_data',
        cell: 1,
        cell_id: 'a',
        depends_on: [],
        inputs: {},
        outputs: ['frame'],
        params: { rows: '100' },
        metrics: [],
        implicit: false,
        source_run_id: null
      },
      {
        name: 'train',
        cell: 3,
        cell_id: 'b',
        depends_on: ['load_data'],
        inputs: { frame: 'load_data' },
        outputs: ['model'],
        params: { lr: '0.1', kind: "'rf'", C: '1.0' },
        metrics: ['acc'],
        implicit: false,
        source_run_id: 'r1'
      }
    ],
    shared_cells: [0, 2],
    params: { rows: '100', lr: '0.1', kind: "'rf'", C: '1.0' },
    excluded: [{ kind: 'excluded', message: 'cell 5 only displays a value', cell: 4 }],
    warnings: [
      { kind: 'hidden_state', message: 'train reads x, defined by no earlier cell', cell: 3 }
    ],
    findings: [],
    next_steps: ['cd work/demo_pipeline', 'python -m demo'],
    seconds: 1.234,
    ...overrides
  };
}

describe('pipelineIdentifier (pipeline/plan.py identifier)', () => {
  it.each([
    ['demo', 'demo'],
    ['Churn Flow', 'churn_flow'],
    ['  my-notebook (v2) ', 'my_notebook_v2'],
    ['2024 report', 'pipeline_2024_report'],
    ['class', 'pipeline_class'],
    ['Données été', 'données_été'],
    ['***', 'pipeline']
  ])('%s -> %s', (text, expected) => {
    expect(pipelineIdentifier(text)).toBe(expected);
  });
});

describe('defaultOutFolder (pipeline/export.py default_out)', () => {
  it('puts NAME_<suffix> beside the notebook, per target', () => {
    expect(defaultOutFolder('work/demo.ipynb', 'python')).toBe('work/demo_pipeline');
    expect(defaultOutFolder('work/demo.ipynb', 'airflow')).toBe('work/demo_airflow');
    expect(defaultOutFolder('work/demo.ipynb', 'kfp')).toBe('work/demo_kfp');
    expect(defaultOutFolder('quickstart.ipynb', 'python')).toBe('quickstart_pipeline');
  });

  it('uses the pipeline name when given, as the server does', () => {
    expect(defaultOutFolder('a/b/nb.ipynb', 'kfp', 'Churn Flow')).toBe('a/b/churn_flow_kfp');
    expect(defaultOutFolder('a/b/nb.ipynb', 'kfp', '   ')).toBe('a/b/nb_kfp');
  });

  it('takes the stem like Path.stem', () => {
    expect(notebookStem('x/train.v2.ipynb')).toBe('train.v2');
    expect(defaultOutFolder('x/train.v2.ipynb', 'python')).toBe('x/train_v2_pipeline');
  });
});

describe('the form', () => {
  it('keeps the folder on the default while the target and name change', () => {
    let form = initialForm('work/demo.ipynb');
    expect(form).toEqual({ target: 'python', out: 'work/demo_pipeline', name: '' });
    form = updateForm('work/demo.ipynb', form, { target: 'airflow' });
    expect(form.out).toBe('work/demo_airflow');
    form = updateForm('work/demo.ipynb', form, { name: 'Churn' });
    expect(form.out).toBe('work/churn_airflow');
  });

  it('keeps a folder the user typed', () => {
    let form = updateForm('work/demo.ipynb', initialForm('work/demo.ipynb'), {
      out: 'elsewhere/pipe'
    });
    form = updateForm('work/demo.ipynb', form, { target: 'kfp' });
    expect(form).toEqual({ target: 'kfp', out: 'elsewhere/pipe', name: '' });
  });

  it('catches the obvious mistakes and passes good input', () => {
    const ok = initialForm('work/demo.ipynb');
    expect(validateForm(ok)).toBeNull();
    expect(validateForm({ ...ok, out: '   ' })).toMatch(/Choose an output folder/);
    expect(validateForm({ ...ok, out: '/tmp/pipe' })).toMatch(/relative to the Jupyter root/);
    expect(validateForm({ ...ok, out: 'C:\\pipe' })).toMatch(/relative to the Jupyter root/);
    expect(validateForm({ ...ok, out: 'work/../../pipe' })).toMatch(/'\.\.' is not allowed/);
    expect(validateForm({ ...ok, out: 'work/..pipe' })).toBeNull();
    expect(validateForm({ ...ok, name: 'x'.repeat(129) })).toMatch(/limit is 128/);
  });

  it('builds the request the server expects', () => {
    expect(
      buildRequest('work/demo.ipynb', { target: 'kfp', out: ' out/pipe/ ', name: '  ' })
    ).toEqual({
      notebook: 'work/demo.ipynb',
      target: 'kfp',
      out: 'out/pipe'
    });
    expect(buildRequest('nb.ipynb', { target: 'python', out: 'p', name: ' Churn ' })).toEqual({
      notebook: 'nb.ipynb',
      target: 'python',
      out: 'p',
      name: 'Churn'
    });
  });
});

describe('messages', () => {
  it('says what is running, and that the notebook was saved', () => {
    const request = { notebook: 'nb.ipynb', target: 'airflow' as const, out: 'nb_airflow' };
    expect(pendingMessage(request, false)).toBe('Exporting nb.ipynb as Airflow DAG…');
    expect(pendingMessage(request, true)).toBe(
      'Saved unsaved changes. Exporting nb.ipynb as Airflow DAG…'
    );
  });

  it('counts steps and warnings on success', () => {
    expect(successMessage(report())).toBe(
      'Exported 2 steps to work/demo_pipeline (1.2 s), 1 warning.'
    );
    const one = report({ steps: report().steps.slice(0, 1), warnings: [] });
    expect(successMessage(one, true)).toBe(
      'Saved, then exported 1 step to work/demo_pipeline (1.2 s).'
    );
  });
});

describe('reportView', () => {
  it('lists the steps with their cells, dependencies, inputs and parameters', () => {
    const view = reportView(report());
    expect(view.title).toBe("Pipeline 'demo' (Python package)");
    expect(view.summary).toBe(
      'work/demo.ipynb → work/demo_pipeline: 2 steps, 1 cell left out, 1 warning, 1.23 s.'
    );
    expect(view.steps).toEqual([
      {
        name: 'load_data',
        cell: 'cell 2',
        after: '(first)',
        params: 'rows=100',
        inputs: '',
        outputs: 'frame'
      },
      {
        name: 'train',
        cell: 'cell 4',
        after: 'load_data',
        params: "lr=0.1, kind='rf', C=1.0",
        inputs: 'frame ← load_data',
        outputs: 'model'
      }
    ]);
    expect(view.shared).toBe('cell 1, cell 3');
    expect(view.params).toBe("rows=100, lr=0.1, kind='rf', C=1.0");
  });

  it('shows a cell label once, without the id the message repeats', () => {
    const finding = (message: string, cell: number | null) => ({ kind: 'excluded', message, cell });
    const view = reportView(
      report({
        excluded: [
          finding('cell 2 (id 7f3a-b) left out: cell magic %%time', 1),
          finding('cell 2: a note', 1),
          finding('cell 12 left out', 1),
          finding('files the pipeline reads', null)
        ]
      })
    );
    expect(view.excluded.map(row => [row.cell, row.continues, row.message])).toEqual([
      ['cell 2', true, ' left out: cell magic %%time'],
      ['cell 2', true, ': a note'],
      ['cell 2', false, 'cell 12 left out'],
      ['', false, 'files the pipeline reads']
    ]);
  });

  it('shows values sent as numbers by an older server as JSON', () => {
    const view = reportView(report({ params: { n: 3, flag: true } }));
    expect(view.params).toBe('n=3, flag=true');
  });

  it('keeps what was left out, the warnings and the commands', () => {
    const view = reportView(report());
    expect(view.excluded).toEqual([
      {
        cell: 'cell 5',
        cellIndex: 4,
        continues: true,
        kind: 'excluded',
        message: ' only displays a value'
      }
    ]);
    expect(view.warnings.map(w => [w.cell, w.kind])).toEqual([['cell 4', 'hidden_state']]);
    expect(view.commands).toEqual(['cd work/demo_pipeline', 'python -m demo']);
    const bare = reportView(
      report({ shared_cells: [], params: {}, excluded: [], warnings: [], next_steps: [] })
    );
    expect([bare.shared, bare.params, bare.excluded, bare.warnings, bare.commands]).toEqual([
      '',
      '',
      [],
      [],
      []
    ]);
  });
});

describe('exportProblem', () => {
  it('keeps the cell the server names', () => {
    const error = new FakeApiError(400, 'syntax_error', 'cell 2 has a syntax error at line 2', {
      code: 'syntax_error',
      message: 'cell 2 has a syntax error at line 2',
      cell: 1
    });
    expect(exportProblem(error)).toEqual({
      code: 'syntax_error',
      cell: 1,
      message: 'Export failed: cell 2 has a syntax error at line 2'
    });
  });

  it('says that nothing was written when the folder exists', () => {
    const error = new FakeApiError(
      409,
      'exists',
      'quickstart_pipeline already exists; remove it or choose another --out folder.'
    );
    expect(exportProblem(error)).toEqual({
      code: 'exists',
      cell: null,
      message:
        'Not exported, nothing written: quickstart_pipeline already exists; remove it or choose another output folder.'
    });
  });

  it('explains a refused write, and copes with anything thrown', () => {
    expect(exportProblem(new FakeApiError(403, 'forbidden', 'Forbidden')).message).toBe(
      'Not allowed to export (it writes files): Forbidden'
    );
    expect(exportProblem(new Error('boom'))).toEqual({
      code: 'error',
      cell: null,
      message: 'Export failed: boom'
    });
    expect(exportProblem('text')).toEqual({
      code: 'error',
      cell: null,
      message: 'Export failed: text'
    });
    const odd = new FakeApiError(400, 'x', 'm', { cell: '3' });
    expect(exportProblem(odd).cell).toBeNull();
    expect(exportProblem(new FakeApiError(400, 'x', 'm', { cell: -1 })).cell).toBeNull();
  });
});
