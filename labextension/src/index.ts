/**
 * jupyter-mlops sidebar: browse MLflow experiments and runs, jump to the cell of a run.
 * Works in JupyterLab 4 and Notebook 7 (both have a left area).
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';

import { createApi } from './api';
import { addSidebarExportButton, exportPlugin } from './export/plugin';
import { mlopsIcon } from './icon';
import { SidebarModel } from './model/sidebar';
import { requestAPI } from './request';
import { goToCell } from './widgets/gotoCell';
import { MLOpsSidebar } from './widgets/sidebar';

const OPEN_COMMAND = 'jupyter-mlops:open-sidebar';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:sidebar',
  description: 'MLOps sidebar: MLflow experiments and runs of %%track cells.',
  autoStart: true,
  requires: [IDocumentManager],
  optional: [INotebookTracker, IEditorLanguageRegistry, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    notebooks: INotebookTracker | null,
    languages: IEditorLanguageRegistry | null,
    restorer: ILayoutRestorer | null
  ) => {
    const model = new SidebarModel(createApi(requestAPI));
    const sidebar = new MLOpsSidebar({
      model,
      icon: mlopsIcon,
      languages,
      goToCell: run => goToCell(app, docManager, run.notebook, run.cell_id)
    });
    addSidebarExportButton(sidebar.toolbar, app.commands);
    app.shell.add(sidebar, 'left', { rank: 650 });
    restorer?.add(sidebar, 'jupyter-mlops-sidebar');

    if (notebooks) {
      const follow = () =>
        void model.setNotebookPath(notebooks.currentWidget?.context.path ?? null);
      notebooks.currentChanged.connect(follow);
      notebooks.widgetAdded.connect((_, panel) => panel.context.pathChanged.connect(follow));
      follow();
    }
    NotebookActions.executed.connect(() => sidebar.cellExecuted());

    app.commands.addCommand(OPEN_COMMAND, {
      label: 'Show the MLOps sidebar',
      icon: mlopsIcon,
      execute: () => app.shell.activateById(sidebar.id)
    });
  }
};

export default [plugin, exportPlugin];
