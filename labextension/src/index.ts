/**
 * jupyter-mlops sidebar: browse MLflow experiments and runs, jump to the cell of a run.
 * Works in JupyterLab 4 and Notebook 7 (both have a left area).
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import type { MainAreaWidget } from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { createApi } from './api';
import { addSidebarExportButton, exportPlugin } from './export/plugin';
import { mlopsIcon } from './icon';
import { readSettings } from './model/settings';
import { SidebarModel } from './model/sidebar';
import { requestAPI } from './request';
import { goToCell } from './widgets/gotoCell';
import { MLOpsSidebar } from './widgets/sidebar';

type CompareWidget = import('./widgets/CompareView').CompareWidget;

const OPEN_COMMAND = 'jupyter-mlops:open-sidebar';

const plugin: JupyterFrontEndPlugin<void> = {
  // The id names its settings schema: schema/plugin.json.
  id: 'jupyter-mlops:plugin',
  description: 'MLOps sidebar: MLflow experiments and runs of %%track cells.',
  autoStart: true,
  requires: [IDocumentManager],
  optional: [INotebookTracker, IEditorLanguageRegistry, ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    notebooks: INotebookTracker | null,
    languages: IEditorLanguageRegistry | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const model = new SidebarModel(createApi(requestAPI));
    let comparison: MainAreaWidget<CompareWidget> | null = null;
    const openComparison = async (runIds: string[]) => {
      if (!comparison || comparison.isDisposed) {
        const [{ MainAreaWidget }, { CompareWidget }, { CompareModel }] = await Promise.all([
          import('@jupyterlab/apputils'),
          import('./widgets/CompareView'),
          import('./model/compare')
        ]);
        const content = new CompareWidget(new CompareModel(model.api));
        comparison = new MainAreaWidget({ content });
        comparison.id = 'jupyter-mlops-compare';
        comparison.title.label = 'Compare runs';
        comparison.title.icon = mlopsIcon;
        comparison.title.closable = true;
      }
      if (!comparison.isAttached) {
        app.shell.add(comparison, 'main', { mode: 'split-right' });
      }
      app.shell.activateById(comparison.id);
      void comparison.content.model.show(runIds);
    };
    const sidebar = new MLOpsSidebar({
      model,
      icon: mlopsIcon,
      languages,
      openComparison: runIds => void openComparison(runIds),
      goToCell: run => goToCell(app, docManager, run.notebook, run.cell_id),
      goToNotebookCell: (notebook, cellId) => goToCell(app, docManager, notebook, cellId)
    });
    addSidebarExportButton(sidebar.toolbar, app.commands);
    app.shell.add(sidebar, 'left', { rank: 650 });
    restorer?.add(sidebar, 'jupyter-mlops-sidebar');
    if (settingRegistry) {
      followSettings(settingRegistry, sidebar);
    }

    if (notebooks) {
      const follow = () =>
        void model.setNotebookPath(notebooks.currentWidget?.context.path ?? null);
      notebooks.currentChanged.connect(follow);
      notebooks.widgetAdded.connect((_, panel) => panel.context.pathChanged.connect(follow));
      follow();
    }
    NotebookActions.executed.connect(() => sidebar.cellExecuted());
    // A click on the run summary under a tracked cell opens its run in the sidebar.
    document.addEventListener('click', event => {
      const target = event.target as Element | null;
      const summary = target?.closest?.('.jp-mlops-run-summary');
      if (summary && !target?.closest('a')) {
        void import('./widgets/summaryLink').then(({ openSummaryRun }) =>
          openSummaryRun(summary, model, notebooks, () => app.shell.activateById(sidebar.id))
        );
      }
    });

    app.commands.addCommand(OPEN_COMMAND, {
      label: 'Show the MLOps sidebar',
      icon: mlopsIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => app.shell.activateById(sidebar.id)
    });
  }
};

/**
 * Apply the user's settings once loaded and whenever they change.  The sidebar starts on
 * the defaults, so it works before (and without) the registry.
 */
function followSettings(registry: ISettingRegistry, sidebar: MLOpsSidebar): void {
  registry
    .load(plugin.id)
    .then(settings => {
      const apply = () => sidebar.applySettings(readSettings(settings.composite));
      apply();
      settings.changed.connect(apply, sidebar);
      sidebar.disposed.connect(() => settings.changed.disconnect(apply, sidebar));
    })
    .catch(reason => {
      console.warn(
        `jupyter-mlops: the sidebar settings (${plugin.id}) did not load, so the sidebar ` +
          'uses its defaults. Fix them in Settings > Settings Editor > MLOps sidebar.',
        reason
      );
    });
}

export default [plugin, exportPlugin];
