/**
 * Where the export starts besides the palette: a button in every notebook's toolbar and
 * one in the MLOps sidebar's toolbar. Both run the command, so they behave the same.
 */
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { Toolbar, ToolbarButton } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';

import { EXPORT_COMMAND } from './command';
import { pipelineIcon } from './icon';

const TOOLTIP = 'Export this notebook as a pipeline (Python package, Airflow DAG or Kubeflow)';

/** Adds the export button to each notebook's toolbar, acting on that notebook. */
export class ExportButtonExtension implements DocumentRegistry.IWidgetExtension<
  NotebookPanel,
  INotebookModel
> {
  constructor(private readonly commands: CommandRegistry) {}

  createNew(panel: NotebookPanel, context: DocumentRegistry.IContext<INotebookModel>): IDisposable {
    const button = new ToolbarButton({
      icon: pipelineIcon,
      tooltip: TOOLTIP,
      className: 'jp-mlops-export-button',
      onClick: () => void this.commands.execute(EXPORT_COMMAND, { path: context.path })
    });
    // Beside the cell type picker when the toolbar has one; else at the end.
    if (!panel.toolbar.insertAfter('cellType', 'jupyter-mlops-export', button)) {
      panel.toolbar.addItem('jupyter-mlops-export', button);
    }
    return button;
  }
}

/** The sidebar's button: exports the current notebook (the command says when there is none). */
export function addSidebarExportButton(toolbar: Toolbar, commands: CommandRegistry): void {
  toolbar.addItem(
    'jupyter-mlops-export',
    new ToolbarButton({
      icon: pipelineIcon,
      label: 'Export',
      tooltip:
        'Export the current notebook as a pipeline (Python package, Airflow DAG or Kubeflow)',
      className: 'jp-mlops-export-button',
      onClick: () => void commands.execute(EXPORT_COMMAND)
    })
  );
}
