/** "Go to cell" for an export error: the server names the cell by its 0-based index. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';

import { openNotebook, selectCellAt } from '../widgets/gotoCell';

/** Open (or reveal) the notebook and select cell `index`; a message when that fails. */
export async function selectCell(
  app: JupyterFrontEnd,
  docManager: IDocumentManager,
  path: string,
  index: number
): Promise<string | null> {
  const opened = await openNotebook(docManager, path);
  if (typeof opened === 'string') {
    return opened;
  }
  const count = opened.content.widgets.length;
  if (index < 0 || index >= count) {
    return `${path} has ${count} cells now, so cell ${index + 1} is gone; export again.`;
  }
  await selectCellAt(app, opened, index);
  return null;
}
