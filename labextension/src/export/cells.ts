/** "Go to cell" for an export error: the server names the cell by its 0-based index. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { NotebookPanel } from '@jupyterlab/notebook';

/** Open (or reveal) the notebook and select cell `index`; a message when that fails. */
export async function selectCell(
  app: JupyterFrontEnd,
  docManager: IDocumentManager,
  path: string,
  index: number
): Promise<string | null> {
  const widget = docManager.openOrReveal(path);
  if (!widget) {
    return `JupyterLab could not open ${path}.`;
  }
  await widget.context.ready;
  if (!(widget instanceof NotebookPanel)) {
    return `${path} did not open as a notebook.`;
  }
  await widget.revealed;
  const notebook = widget.content;
  if (index < 0 || index >= notebook.widgets.length) {
    return `${path} has ${notebook.widgets.length} cells now, so cell ${index + 1} is gone; export again.`;
  }
  app.shell.activateById(widget.id);
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  notebook.mode = 'command';
  await notebook.scrollToItem(index, 'center');
  notebook.activeCell?.node.focus();
  return null;
}
