import { ILineageGraph } from '../src/api';
import {
  displayLabel,
  edgePath,
  ILineageLayout,
  kindsPresent,
  layoutLineage,
  MIN_NODE_WIDTH,
  nodeStatus
} from '../src/model/lineageLayout';
import { sampleGraph } from './fakeRegistry';

function overlaps(layout: ILineageLayout): string[] {
  const found: string[] = [];
  const { nodes } = layout;
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i];
      const b = nodes[j];
      if (
        a.x < b.x + b.width &&
        b.x < a.x + a.width &&
        a.y < b.y + b.height &&
        b.y < a.y + a.height
      ) {
        found.push(`${a.id} / ${b.id}`);
      }
    }
  }
  return found;
}

function expectWellLaidOut(graph: ILineageGraph, layout: ILineageLayout): void {
  expect(new Set(layout.nodes.map(n => n.id))).toEqual(new Set(graph.nodes.map(n => n.id)));
  for (const n of layout.nodes) {
    expect([n.x, n.y, n.width, n.height].every(Number.isFinite)).toBe(true);
    expect(n.x).toBeGreaterThanOrEqual(0);
    expect(n.y).toBeGreaterThanOrEqual(0);
    expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
    expect(n.y + n.height).toBeLessThanOrEqual(layout.height);
  }
  expect(overlaps(layout)).toEqual([]);
  const ids = new Set(layout.nodes.map(n => n.id));
  for (const e of layout.edges) {
    expect(ids.has(e.source) && ids.has(e.target)).toBe(true);
    expect(e.points.length).toBeGreaterThanOrEqual(2);
    expect(e.path).toMatch(/^M[\d.-]+,[\d.-]+ .*L[\d.-]+,[\d.-]+$/);
  }
}

describe('layoutLineage', () => {
  it('places every node of a model lineage, without overlaps, top to bottom in flow order', () => {
    const graph = sampleGraph();
    const layout = layoutLineage(graph);
    expectWellLaidOut(graph, layout);
    expect(layout.edges.length).toBe(graph.edges.length);
    const y = (id: string) => layout.nodes.find(n => n.id === id)!.y;
    const chain = [
      'dataset:raw',
      'run:features',
      'dataset:x',
      'run:fit',
      'logged_model:m-1',
      'model_version:churn/1',
      'alias:churn@champion',
      'deployment:churn:5001'
    ];
    for (let i = 1; i < chain.length; i++) {
      expect(y(chain[i])).toBeGreaterThan(y(chain[i - 1]));
    }
    // both feeds and the dataset path run -> run are kept as separate edges
    expect(
      layout.edges.filter(e => e.source === 'run:features' && e.target === 'run:fit')
    ).toHaveLength(1);
  });

  it('leaves out edges to nodes it was not given, self loops and repeated nodes', () => {
    const graph = sampleGraph();
    graph.nodes.push({ ...graph.nodes[0] });
    graph.edges.push({ source: 'run:fit', target: 'run:gone', kind: 'feeds' });
    graph.edges.push({ source: 'run:fit', target: 'run:fit', kind: 'feeds' });
    const layout = layoutLineage(graph);
    expect(layout.nodes.length).toBe(graph.nodes.length - 1);
    expect(layout.edges.length).toBe(graph.edges.length - 2);
    expectWellLaidOut({ ...graph, nodes: graph.nodes.slice(0, -1) }, layout);
  });

  it('lays out a large graph (a chain of 150 runs with two datasets each) without overlaps', () => {
    const graph: ILineageGraph = {
      root: { kind: 'run', id: 'run:0' },
      truncated: true,
      nodes: [],
      edges: []
    };
    for (let i = 0; i < 150; i++) {
      graph.nodes.push({
        id: `run:${i}`,
        kind: 'run',
        label: `step ${i}`,
        run_id: String(i),
        status: 'FINISHED'
      });
      for (const d of ['a', 'b']) {
        graph.nodes.push({
          id: `dataset:${i}${d}`,
          kind: 'dataset',
          label: `${d}${i}`,
          digest: `${i}${d}`
        });
        graph.edges.push({ source: `run:${i}`, target: `dataset:${i}${d}`, kind: 'output' });
        if (i + 1 < 150) {
          graph.edges.push({ source: `dataset:${i}${d}`, target: `run:${i + 1}`, kind: 'input' });
        }
      }
      if (i + 1 < 150) {
        graph.edges.push({ source: `run:${i}`, target: `run:${i + 1}`, kind: 'feeds' });
      }
    }
    const layout = layoutLineage(graph);
    expectWellLaidOut(graph, layout);
  });

  it('an empty graph lays out to nothing', () => {
    const layout = layoutLineage({
      root: { kind: 'run', id: 'run:x' },
      truncated: false,
      nodes: [],
      edges: []
    });
    expect(layout.nodes).toEqual([]);
    expect(layout.edges).toEqual([]);
  });

  it('sizes nodes to their label and lists the kinds present in flow order', () => {
    const layout = layoutLineage(sampleGraph());
    const short = layout.nodes.find(n => n.id === 'dataset:x')!;
    const long = layout.nodes.find(n => n.id === 'deployment:churn:5001')!;
    expect(short.width).toBe(MIN_NODE_WIDTH);
    expect(long.width).toBeGreaterThan(short.width);
    expect(long.text).toBe('127.0.0.1:5001');
    expect(kindsPresent(layout)).toEqual([
      'dataset',
      'run',
      'logged_model',
      'model_version',
      'registered_model',
      'alias',
      'deployment'
    ]);
  });
});

describe('node text and status', () => {
  it('cuts long labels with an ellipsis and drops the endpoint scheme', () => {
    expect(displayLabel({ id: 'r', kind: 'run', label: 'a'.repeat(40) })).toBe(
      'a'.repeat(23) + '…'
    );
    expect(displayLabel({ id: 'd', kind: 'deployment', label: 'https://host:1' })).toBe('host:1');
  });

  it('has a status only for runs and deployments', () => {
    expect(nodeStatus({ id: 'r', kind: 'run', label: 'r', status: 'FAILED' })).toBe('failed');
    expect(nodeStatus({ id: 'd', kind: 'deployment', label: 'd', status: 'stopped' })).toBe(
      'stopped'
    );
    expect(nodeStatus({ id: 'v', kind: 'model_version', label: 'v', status: 'READY' })).toBeNull();
  });

  it('draws a path through every bend point', () => {
    expect(edgePath([])).toBe('');
    expect(
      edgePath([
        { x: 0, y: 0 },
        { x: 10, y: 10 }
      ])
    ).toBe('M0,0 L10,10');
    expect(
      edgePath([
        { x: 0, y: 0 },
        { x: 10, y: 10 },
        { x: 20, y: 0 }
      ])
    ).toBe('M0,0 Q10,10 15,5 L20,0');
  });
});
