/**
 * "Show report": what an export did, as the CLI prints it but browsable: the steps and
 * their dependencies, parameters, cells left out and why, warnings, and how to run it.
 */
import { Clipboard, Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { IExportReport } from '../api';
import { IFindingRow, reportView } from './format';

function Findings(props: { title: string; rows: IFindingRow[]; kind: string }): JSX.Element | null {
  if (props.rows.length === 0) {
    return null;
  }
  return (
    <section className={`jp-mlops-export-report-${props.kind}`}>
      <h3>
        {props.title} ({props.rows.length})
      </h3>
      <ul>
        {props.rows.map((row, index) => (
          <li key={index} data-kind={row.kind}>
            {row.cell ? <strong>{row.continues ? row.cell : `${row.cell}: `}</strong> : null}
            {row.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ReportView(props: { report: IExportReport }): JSX.Element {
  const view = reportView(props.report);
  return (
    <div className="jp-mlops-export-report">
      <p className="jp-mlops-export-report-summary">{view.summary}</p>
      <section className="jp-mlops-export-report-steps">
        <h3>Steps ({view.steps.length})</h3>
        <table className="jp-mlops-export-steps">
          <thead>
            <tr>
              <th>Step</th>
              <th>From</th>
              <th>After</th>
              <th>Inputs</th>
              <th>Parameters</th>
            </tr>
          </thead>
          <tbody>
            {view.steps.map(step => (
              <tr key={step.name} data-step={step.name}>
                <td>
                  <code>{step.name}</code>
                </td>
                <td>{step.cell}</td>
                <td>{step.after}</td>
                <td>{step.inputs}</td>
                <td>{step.params}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {view.shared ? <p>Shared module (imports and definitions): {view.shared}.</p> : null}
        {view.params ? (
          <p>
            Pipeline parameters: <code>{view.params}</code>
          </p>
        ) : null}
      </section>
      <Findings title="Left out" rows={view.excluded} kind="excluded" />
      <Findings title="Warnings" rows={view.warnings} kind="warnings" />
      {view.commands.length ? (
        <section className="jp-mlops-export-report-run">
          <h3>Run it</h3>
          <pre className="jp-mlops-export-commands">{view.commands.join('\n')}</pre>
          <button
            type="button"
            className="jp-mlops-button"
            onClick={() => Clipboard.copyToSystem(view.commands.join('\n'))}
          >
            Copy commands
          </button>
        </section>
      ) : null}
    </div>
  );
}

/** The report in a dialog; `openFolder` when the user asks for the output folder. */
export async function showReport(report: IExportReport, openFolder: () => void): Promise<void> {
  const body = ReactWidget.create(<ReportView report={report} />);
  body.addClass('jp-mlops-export-report-dialog');
  const result = await showDialog({
    title: reportView(report).title,
    body,
    buttons: [Dialog.createButton({ label: 'Open folder' }), Dialog.okButton({ label: 'Close' })],
    defaultButton: 1
  });
  if (result.button.label === 'Open folder') {
    openFolder();
  }
}
