/**
 * The command `jupyter-mlops:export-notebook`: ask (dialog), save if needed, POST the
 * export with a progress notification, then offer the report and the folder, or the
 * server's message and "Go to cell" when one cell is at fault.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification, showErrorMessage } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { ExportTarget, IExportReport, IExportRequest, IMLOpsApi } from '../api';
import { selectCell } from './cells';
import { askExportOptions } from './dialog';
import { buildRequest, exportProblem, pendingMessage, successMessage } from './format';
import { pipelineIcon } from './icon';
import { showReport } from './report';

export const EXPORT_COMMAND = 'jupyter-mlops:export-notebook';
/** Notifications truncate longer messages; the full text is one click away. */
const NOTIFICATION_LIMIT = 140;

export interface IExportDeps {
  app: JupyterFrontEnd;
  api: IMLOpsApi;
  docManager: IDocumentManager;
  notebooks: INotebookTracker | null;
}

/** Command arguments: all optional; `path` picks the notebook, the rest pre-fill the dialog. */
interface IExportArgs {
  path?: string;
  target?: ExportTarget;
  out?: string;
  name?: string;
}

const TARGET_NAMES: ReadonlyArray<string> = ['python', 'airflow', 'kfp'];

/** The command's arguments, keeping only the well-typed ones. */
function exportArgs(args: { readonly [key: string]: unknown }): IExportArgs {
  const text = (key: string) => (typeof args[key] === 'string' ? (args[key] as string) : undefined);
  const target = text('target');
  return {
    path: text('path'),
    target: target && TARGET_NAMES.includes(target) ? (target as ExportTarget) : undefined,
    out: text('out'),
    name: text('name')
  };
}

function openPanel(deps: IExportDeps, path: string): NotebookPanel | null {
  return deps.notebooks?.find(panel => panel.context.path === path) ?? null;
}

function notebookPath(deps: IExportDeps, args: IExportArgs): string | null {
  return args.path || deps.notebooks?.currentWidget?.context.path || null;
}

function openFolder(app: JupyterFrontEnd, path: string): void {
  if (app.commands.hasCommand('filebrowser:go-to-path')) {
    void app.commands.execute('filebrowser:go-to-path', { path });
  } else {
    // Notebook 7: the file browser is the tree page.
    const baseUrl = app.serviceManager.serverSettings.baseUrl;
    window.open(URLExt.join(baseUrl, 'tree', URLExt.encodeParts(path)), '_blank');
  }
}

function details(title: string, message: string): Notification.IAction {
  return {
    label: 'Details',
    caption: 'Show the whole message',
    callback: event => {
      event.preventDefault(); // keep the notification: its other actions are still wanted
      void showErrorMessage(title, message);
    }
  };
}

/** Saves the open notebook if it has unsaved changes; true when it did. */
async function saveFirst(panel: NotebookPanel | null): Promise<boolean> {
  if (!panel || !panel.context.model.dirty) {
    return false;
  }
  await panel.context.save();
  return true;
}

export async function runExport(
  deps: IExportDeps,
  args: IExportArgs
): Promise<IExportReport | null> {
  const { app } = deps;
  const path = notebookPath(deps, args);
  if (!path) {
    Notification.warning('Open a notebook first: the export works on the current notebook.', {
      autoClose: 5000
    });
    return null;
  }
  const form = await askExportOptions({
    notebook: path,
    unsaved: openPanel(deps, path)?.context.model.dirty ?? false,
    target: args.target,
    out: args.out,
    name: args.name
  });
  if (!form) {
    return null;
  }
  let saved: boolean;
  try {
    saved = await saveFirst(openPanel(deps, path));
  } catch (error) {
    Notification.error(
      `Not exported: saving ${path} failed (${(error as Error).message}). Save it, then export again.`,
      {
        autoClose: false
      }
    );
    return null;
  }
  const request = buildRequest(path, form);
  // The result replaces the pending notification rather than updating it (as
  // Notification.promise does): an update that comes before the pending toast is on
  // screen is lost by the toast library, leaving a spinner forever (a fast 400 does it).
  const pending = Notification.emit(pendingMessage(request, saved), 'in-progress', {
    autoClose: false
  });
  let report: IExportReport;
  try {
    report = await deps.api.exportNotebook(request);
  } catch (error) {
    Notification.dismiss(pending);
    notifyFailed(deps, request, error);
    return null;
  }
  Notification.dismiss(pending);
  notifyExported(app, report, saved);
  return report;
}

function notifyExported(app: JupyterFrontEnd, report: IExportReport, saved: boolean): void {
  Notification.emit(successMessage(report, saved), report.warnings.length ? 'warning' : 'success', {
    autoClose: false,
    actions: [
      {
        label: 'Show report',
        caption: 'Steps, dependencies, parameters, cells left out, warnings, and how to run it',
        displayType: 'accent',
        callback: () => void showReport(report, () => openFolder(app, report.out))
      },
      { label: 'Open folder', caption: report.out, callback: () => openFolder(app, report.out) }
    ]
  });
}

function notifyFailed(deps: IExportDeps, request: IExportRequest, error: unknown): void {
  const problem = exportProblem(error);
  const path = request.notebook;
  const actions: Notification.IAction[] = [];
  if (problem.code === 'exists') {
    actions.push({
      label: 'Choose another folder',
      caption: 'Open the export dialog again with these choices',
      displayType: 'accent',
      callback: () =>
        void deps.app.commands.execute(EXPORT_COMMAND, {
          path,
          target: request.target,
          out: request.out,
          name: request.name
        })
    });
  }
  if (problem.cell !== null) {
    const cell = problem.cell;
    actions.push({
      label: 'Go to cell',
      caption: `Select cell ${cell + 1} of ${path}`,
      displayType: 'accent',
      callback: () =>
        void selectCell(deps.app, deps.docManager, path, cell).then(failure => {
          if (failure) {
            Notification.warning(failure, { autoClose: 8000 });
          }
        })
    });
  }
  if (problem.message.length > NOTIFICATION_LIMIT) {
    actions.push(details('Export failed', problem.message));
  }
  Notification.error(problem.message, { autoClose: false, actions });
}

export function addExportCommand(deps: IExportDeps): void {
  const { app, notebooks } = deps;
  app.commands.addCommand(EXPORT_COMMAND, {
    label: 'Export Notebook as Pipeline…',
    caption: args =>
      notebookPath(deps, exportArgs(args))
        ? 'Export this notebook as a pipeline: a Python package, an Airflow DAG or a Kubeflow pipeline'
        : 'Open a notebook to export it as a pipeline',
    icon: pipelineIcon,
    isEnabled: args => notebookPath(deps, exportArgs(args)) !== null,
    describedBy: {
      args: {
        type: 'object',
        properties: {
          path: {
            type: 'string',
            description: 'the notebook, relative to the root; default the current one'
          },
          target: { type: 'string', enum: ['python', 'airflow', 'kfp'] },
          out: { type: 'string', description: 'the output folder to pre-fill' },
          name: { type: 'string', description: 'the pipeline name to pre-fill' }
        }
      }
    },
    execute: args => runExport(deps, exportArgs(args))
  });
  notebooks?.currentChanged.connect(() => app.commands.notifyCommandChanged(EXPORT_COMMAND));
}
