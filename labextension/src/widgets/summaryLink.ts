/**
 * Clicking the run summary under a tracked cell (kernel/summary.py) opens that run in the
 * sidebar: by the run id the summary carries, else the newest run of the experiment it
 * names made by the cell it sits under.
 */
import { INotebookTracker } from '@jupyterlab/notebook';

import { SidebarModel } from '../model/sidebar';

/** The MLflow filter for the runs a cell made (its id is a tag). */
export function cellRunsFilter(cellId: string): string {
  return "tags.`mlops.cell.id` = '" + cellId.replace(/'/g, "\\'") + "'";
}

async function findRun(
  summary: Element,
  model: SidebarModel,
  notebooks: INotebookTracker | null
): Promise<string | null> {
  const known = summary.getAttribute('data-run-id');
  if (known) {
    return known;
  }
  const name =
    summary.getAttribute('data-experiment') ?? summary.querySelector('code')?.textContent ?? null;
  let cellId: string | null = null;
  notebooks?.forEach(panel => {
    const cell = panel.content.widgets.find(c => c.node.contains(summary));
    cellId = cell ? cell.model.id : cellId;
  });
  if (!name || !cellId) {
    return null;
  }
  const experiments = model.experiments.some(e => e.name === name)
    ? model.experiments
    : await model.api.experiments(true);
  const experiment = experiments.find(e => e.name === name);
  if (!experiment) {
    return null;
  }
  const page = await model.api.runs({
    experimentId: experiment.experiment_id,
    filter: cellRunsFilter(cellId),
    orderBy: ['attributes.start_time DESC'],
    pageSize: 1
  });
  return page.runs[0]?.run_id ?? null;
}

/** Open the run of this summary in the sidebar (`show` brings the sidebar forward). */
export async function openSummaryRun(
  summary: Element,
  model: SidebarModel,
  notebooks: INotebookTracker | null,
  show: () => void
): Promise<void> {
  try {
    const runId = await findRun(summary, model, notebooks);
    if (runId) {
      show();
      await model.selectRun(runId);
    } else {
      console.warn('jupyter-mlops: no run found for this summary (not in MLflow yet?)');
    }
  } catch (reason) {
    console.warn('jupyter-mlops: could not find the run of this summary', reason);
  }
}
