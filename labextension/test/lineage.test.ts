import { LineageModel, Route, routeFor, subjectLabel } from '../src/model/lineage';
import { SidebarModel } from '../src/model/sidebar';
import { deployment, RegistryApi, sampleGraph, summary } from './fakeRegistry';

function setup() {
  const api = new RegistryApi();
  api.graphs.set('model:churn', sampleGraph('model'));
  api.graphs.set('run:fit', sampleGraph('run'));
  api.modelList = [summary('churn')];
  api.deploymentList = [deployment()];
  const sidebar = new SidebarModel(api);
  const routes: Route[] = [];
  sidebar.lineage.routed.connect((_, route) => routes.push(route));
  return { api, sidebar, lineage: sidebar.lineage as LineageModel, routes };
}

describe('routeFor', () => {
  const graph = sampleGraph();
  const node = (id: string) => graph.nodes.find(n => n.id === id)!;
  it('sends runs (and logged models) to run detail, registry nodes to Models, deployments to Deployments', () => {
    expect(routeFor(node('run:fit'))).toEqual({ section: 'run', runId: 'fit' });
    expect(routeFor(node('logged_model:m-1'))).toEqual({ section: 'run', runId: 'fit' });
    expect(routeFor(node('model_version:churn/1'))).toEqual({
      section: 'models',
      name: 'churn',
      version: '1'
    });
    expect(routeFor(node('alias:churn@champion'))).toEqual({
      section: 'models',
      name: 'churn',
      version: '1'
    });
    expect(routeFor(node('model:churn'))).toEqual({
      section: 'models',
      name: 'churn',
      version: null
    });
    expect(routeFor(node('deployment:churn:5001'))).toEqual({
      section: 'deployments',
      key: 'churn:5001'
    });
    expect(routeFor(node('dataset:x'))).toBeNull();
  });
});

describe('LineageModel', () => {
  it('is empty until a run or model is picked', () => {
    const { lineage } = setup();
    expect(lineage.subject).toBeNull();
    expect(lineage.layout).toBeNull();
    expect(subjectLabel(null)).toBe('');
  });

  it('draws the run picked in the runs table, with its root selected', async () => {
    const { api, sidebar, lineage } = setup();
    await sidebar.selectRun('fit');
    expect(api.lineageCalls).toEqual([{ run: 'fit' }]);
    expect(sidebar.detail.runId).toBe('fit');
    expect(lineage.layout?.nodes.length).toBe(10);
    expect(lineage.selectedNodeId).toBe('run:fit');
    expect(subjectLabel(lineage.subject)).toBe('run fit');
  });

  it('routes a click on a node to its section and keeps the graph', async () => {
    const { api, sidebar, lineage, routes } = setup();
    await lineage.show({ model: 'churn' });
    await lineage.activate('run:features');
    expect(sidebar.detail.runId).toBe('features');
    expect(lineage.subject).toEqual({ model: 'churn' });
    expect(lineage.selectedNodeId).toBe('run:features');

    await lineage.activate('alias:churn@champion');
    expect(sidebar.models.selected).toBe('churn');
    expect(sidebar.models.selectedVersion).toBe('1');
    expect(sidebar.models.detail?.versions[0].version).toBe('1');

    await lineage.activate('deployment:churn:5001');
    expect(sidebar.deployments.highlighted).toBe('churn:5001');

    expect(await lineage.activate('dataset:x')).toBeNull();
    expect(lineage.selectedNodeId).toBe('dataset:x');
    expect(await lineage.activate('no-such-node')).toBeNull();
    expect(routes.map(r => r.section)).toEqual(['run', 'models', 'deployments']);
    expect(api.lineageCalls).toEqual([{ model: 'churn' }]);
  });

  it('shows a missing model as an error, and drops a graph that arrives after another was picked', async () => {
    const { api, lineage } = setup();
    await lineage.show({ model: 'nosuch' });
    expect(lineage.error?.status).toBe(404);
    api.holdLineage = true;
    const first = lineage.show({ run: 'fit' });
    const second = lineage.show({ model: 'churn' });
    api.releaseLineage();
    await Promise.all([first, second]);
    expect(lineage.graph?.root.id).toBe('model:churn');
    expect(lineage.error).toBeNull();
    expect(lineage.loading).toBe(false);
  });

  it('refetches the same subject on refresh, keeping the selected node', async () => {
    const { api, lineage } = setup();
    await lineage.show({ model: 'churn' });
    await lineage.activate('dataset:x');
    await lineage.refresh();
    expect(api.lineageCalls).toEqual([{ model: 'churn' }, { model: 'churn' }]);
    expect(lineage.selectedNodeId).toBe('dataset:x');
  });
});
