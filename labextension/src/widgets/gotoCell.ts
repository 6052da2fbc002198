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
      message: 'This run does not say which notebook cell made it (no mlops.notebook / mlops.cell.id tags).'
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
  const widget = docManager.openOrReveal(notebookPath);
  if (!widget) {
    return { ok: false, message: `JupyterLab could not open ${notebookPath}.` };
  }
  await widget.context.ready;
  if (!(widget instanceof NotebookPanel)) {
    return { ok: false, message: `${notebookPath} did not open as a notebook.` };
  }
  await widget.revealed;
  const notebook = widget.content;
  const index = notebook.widgets.findIndex(cell => cell.model.id === cellId);
  if (index < 0) {
    return {
      ok: false,
      message: `The cell this run came from (id ${cellId}) is no longer in ${notebookPath}: it was deleted or the notebook was rewritten.`
    };
  }
  app.shell.activateById(widget.id);
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  notebook.mode = 'command';
  await notebook.scrollToItem(index, 'center');
  notebook.activeCell?.node.focus();
  return { ok: true, message: `Cell ${index + 1} of ${notebookPath}.` };
}
