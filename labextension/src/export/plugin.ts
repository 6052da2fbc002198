/**
 * The export-to-pipeline plugin: the command (palette category "MLOps") and the notebook
 * toolbar button. The sidebar's button is added by the sidebar plugin (index.ts).
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';

import { createApi } from '../api';
import { requestAPI } from '../request';
import { addExportCommand, EXPORT_COMMAND } from './command';
import { ExportButtonExtension } from './toolbar';

export { addSidebarExportButton } from './toolbar';

export const exportPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:export',
  description:
    'Export a notebook as a pipeline (Python package, Airflow DAG, Kubeflow) from JupyterLab.',
  autoStart: true,
  requires: [IDocumentManager],
  optional: [INotebookTracker, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null
  ) => {
    addExportCommand({ app, api: createApi(requestAPI), docManager, notebooks });
    palette?.addItem({ command: EXPORT_COMMAND, category: 'MLOps' });
    app.docRegistry.addWidgetExtension('Notebook', new ExportButtonExtension(app.commands));
  }
};
