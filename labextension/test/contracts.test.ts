import { IContractStatus, ILineageNode } from '../src/api';
import { contractLabel, dataRows, rowText, violationText } from '../src/model/datasets';
import { contractLines, contractOutcome, layoutLineage } from '../src/model/lineageLayout';

function status(extra: Partial<IContractStatus>): IContractStatus {
  return {
    contract: 'train',
    variable: 'batch',
    digest: 'aaaa0000aaaa0000bbbb',
    file: 'contracts/train.yaml',
    status: 'passed',
    ok: true,
    checks: 12,
    rows: 300,
    failed_checks: 0,
    violations: [],
    more: 0,
    report: null,
    ...extra
  };
}

const failed = status({
  status: 'failed',
  ok: false,
  failed_checks: 2,
  violations: [
    {
      check: 'categories',
      column: 'plan',
      message: "column 'plan': 1 value outside the categories",
      count: 1,
      examples: ['enterprise'],
      rows: [{ index: 3, plan: 'enterprise' }]
    },
    {
      check: 'range',
      column: 'age',
      message: "column 'age': 1 value above 89",
      count: 1,
      examples: [130, 131, 132, 133, 134, 135],
      rows: []
    }
  ],
  report: 'mlops/contracts/train.json'
});

describe('contract statuses on the run detail datasets', () => {
  const run = {
    datasets: [],
    data_inputs: [{ name: 'train', digest: 'cccc0000cccc0000dddd', kind: 'pandas' }],
    data_outputs: [
      { name: 'alias', digest: 'aaaa0000aaaa0000bbbb', kind: 'pandas' },
      { name: 'batch', digest: 'aaaa0000aaaa0000bbbb', kind: 'pandas' }
    ]
  };

  it('puts each status on the row of the data it checked, by fingerprint and variable', () => {
    const rows = dataRows({ ...run, contracts: [failed] });
    expect(rows.map(r => [r.name, r.contracts.map(c => c.contract)])).toEqual([
      ['train', []],
      ['alias', []],
      ['batch', ['train']]
    ]);
  });

  it('gives a status that matches no dataset a row of its own', () => {
    const notFrame = status({
      contract: 'raw',
      variable: 'items',
      digest: null,
      status: 'failed',
      ok: false
    });
    const rows = dataRows({ ...run, contracts: [notFrame] });
    expect(rows[rows.length - 1]).toMatchObject({ name: 'items', role: 'checked', digest: '' });
    expect(rows[rows.length - 1].contracts).toEqual([notFrame]);
  });

  it('words the badge and each failing check', () => {
    expect(contractLabel(status({}))).toBe('train: passed');
    expect(contractLabel(failed)).toBe('train: 2 failed checks');
    expect(contractLabel({ ...failed, failed_checks: 1 })).toBe('train: 1 failed check');
    expect(violationText(failed.violations[0])).toBe(
      `categories: column 'plan': 1 value outside the categories (e.g. "enterprise")`
    );
    expect(violationText(failed.violations[1])).toBe(
      `range: column 'age': 1 value above 89 (e.g. 130, 131, 132, 133, 134, …)`
    );
    // the report's message often quotes a few values itself
    const quoting = {
      ...failed.violations[1],
      message: "column 'age' has 6 values outside [18, 89], e.g. [130]"
    };
    expect(violationText(quoting)).toBe(`range: ${quoting.message}`);
    expect(violationText({ ...failed.violations[0], examples: [] })).toBe(
      `categories: column 'plan': 1 value outside the categories`
    );
    expect(rowText(failed.violations[0].rows[0])).toBe('row 3: plan="enterprise"');
    expect(rowText({ index: 'x', text: 'y'.repeat(200) }, 20)).toBe('row "x": text="yyyy…'); // 20 characters
  });
});

describe('datasets that failed their contract in lineage', () => {
  const dataset = (id: string, extra: Partial<ILineageNode>): ILineageNode => ({
    id,
    kind: 'dataset',
    label: id,
    digest: id,
    ...extra
  });

  it('marks failed, passed and unchecked datasets apart', () => {
    const bad = dataset('dataset:bad', {
      contract_failed: true,
      contracts: [
        { name: 'train', status: 'failed', run_id: '0123456789abcdef' },
        { name: 'raw', status: 'passed', run_id: '0123456789abcdef' }
      ]
    });
    const good = dataset('dataset:good', {
      contract_failed: false,
      contracts: [{ name: 'raw', status: 'passed', run_id: 'fedcba9876543210' }]
    });
    const plain = dataset('dataset:plain', { contract_failed: false, contracts: [] });
    expect([bad, good, plain].map(contractOutcome)).toEqual(['failed', 'passed', null]);
    expect(contractOutcome({ id: 'run:x', kind: 'run', label: 'x', contract_failed: true })).toBe(
      null
    );
    expect(contractLines(bad)).toEqual([
      'contract train: failed (run 01234567)',
      'contract raw: passed (run 01234567)'
    ]);
    const layout = layoutLineage({
      root: { kind: 'run', id: 'run:r' },
      truncated: false,
      nodes: [bad, good, plain, { id: 'run:r', kind: 'run', label: 'r' }],
      edges: [
        { source: 'dataset:bad', target: 'run:r', kind: 'input' },
        { source: 'dataset:good', target: 'run:r', kind: 'input' },
        { source: 'dataset:plain', target: 'run:r', kind: 'input' }
      ]
    });
    const outcome = Object.fromEntries(layout.nodes.map(n => [n.id, n.contract]));
    expect(outcome).toEqual({
      'dataset:bad': 'failed',
      'dataset:good': 'passed',
      'dataset:plain': null,
      'run:r': null
    });
  });
});
