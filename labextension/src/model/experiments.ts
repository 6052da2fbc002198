/** Which experiment the sidebar shows. */
import { IExperiment } from '../api';

/** The kernel names a notebook's experiment after its path relative to the Jupyter root. */
export function experimentForNotebook(
  experiments: readonly IExperiment[],
  notebookPath: string | null
): IExperiment | undefined {
  if (!notebookPath) {
    return undefined;
  }
  const path = notebookPath.replace(/^\/+/, '');
  return experiments.find(
    e => e.name === path || e.name.replace(/^\/+/, '') === path || e.tags['mlops.notebook'] === path
  );
}

export interface ISelection {
  current: string | null;
  /** the user chose `current` in the list: keep it while it exists */
  userPicked: boolean;
  notebookPath: string | null;
}

/**
 * The user's pick while it exists; else the active notebook's experiment; else what is
 * shown now; else the most recently active experiment (the list comes newest first).
 */
export function pickExperiment(
  experiments: readonly IExperiment[],
  selection: ISelection
): string | null {
  const exists = (id: string | null) =>
    id !== null && experiments.some(e => e.experiment_id === id);
  if (selection.userPicked && exists(selection.current)) {
    return selection.current;
  }
  const forNotebook = experimentForNotebook(experiments, selection.notebookPath);
  if (forNotebook) {
    return forNotebook.experiment_id;
  }
  if (exists(selection.current)) {
    return selection.current;
  }
  const withRuns = experiments.find(e => e.run_count > 0);
  return (withRuns ?? experiments[0])?.experiment_id ?? null;
}
