/** "Go to cell": open the notebook a run came from and select the cell by its id. */
import { IDocumentManager } from '@jupyterlab/docmanager';
import { NotebookPanel } from '@jupyterlab/notebook';
import { JupyterFrontEnd } from '@jupyterlab/application';

export interface IGoToResult {
  ok: boolean;
  message: string;
}

export async function goToCell(
  app: JupyterFrontEnd,
  docManager: IDocumentManager,
  notebookPath: string | null,
  cellId: string | null
): Promise<IGoToResult> {
  if (!notebookPath || !cellId) {
    return {
      ok: false,
      message:
        'This run does not say which notebook cell made it (no mlops.notebook / mlops.cell.id tags).'
    };
  }
  try {
    await docManager.services.contents.get(notebookPath, { content: false });
  } catch {
    return {
      ok: false,
      message: `The notebook ${notebookPath} no longer exists (moved or deleted), so its cell cannot be shown.`
    };
  }
  const opened = await openNotebook(docManager, notebookPath);
  if (typeof opened === 'string') {
    return { ok: false, message: opened };
  }
  const index = opened.content.widgets.findIndex(cell => cell.model.id === cellId);
  if (index < 0) {
    return {
      ok: false,
      message: `The cell this run came from (id ${cellId}) is no longer in ${notebookPath}: it was deleted or the notebook was rewritten.`
    };
  }
  await selectCellAt(app, opened, index);
  return { ok: true, message: `Cell ${index + 1} of ${notebookPath}.` };
}

/** Open (or reveal) a notebook; a message saying why when it is not one. */
export async function openNotebook(
  docManager: IDocumentManager,
  path: string
): Promise<NotebookPanel | string> {
  const widget = docManager.openOrReveal(path);
  if (!widget) {
    return `JupyterLab could not open ${path}.`;
  }
  await widget.context.ready;
  if (!(widget instanceof NotebookPanel)) {
    return `${path} did not open as a notebook.`;
  }
  await widget.revealed;
  return widget;
}

/** Make cell `index` the active one, in command mode, scrolled into view and focused. */
export async function selectCellAt(
  app: JupyterFrontEnd,
  panel: NotebookPanel,
  index: number
): Promise<void> {
  const notebook = panel.content;
  app.shell.activateById(panel.id);
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  notebook.mode = 'command';
  await notebook.scrollToItem(index, 'center');
  notebook.activeCell?.node.focus();
}
