/**
 * The export dialog: target (with what each one writes), output folder (the server's
 * default until the user types one), optional pipeline name.
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { ExportTarget } from '../api';
import { IExportForm, TARGETS, initialForm, updateForm, validateForm } from './format';

export interface IDialogOptions {
  notebook: string;
  /** the notebook has unsaved changes: it is saved before the export */
  unsaved: boolean;
  target?: ExportTarget;
  out?: string;
  name?: string;
}

function ExportFormView(props: {
  notebook: string;
  unsaved: boolean;
  initial: IExportForm;
  onChange: (form: IExportForm) => void;
}): JSX.Element {
  const [form, setForm] = React.useState(props.initial);
  const problem = validateForm(form);
  const node = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    // The dialog's Export button: greyed out while the form cannot be sent.
    const accept = node.current
      ?.closest('.jp-Dialog-content')
      ?.querySelector('button.jp-mod-accept');
    if (accept instanceof HTMLButtonElement) {
      accept.disabled = problem !== null;
    }
  }, [problem]);
  const change = (part: Partial<IExportForm>) => {
    const next = updateForm(props.notebook, form, part);
    setForm(next);
    props.onChange(next);
  };
  return (
    <div className="jp-mlops-export-form" ref={node}>
      <p className="jp-mlops-export-notebook">
        Notebook <code>{props.notebook}</code>
      </p>
      {props.unsaved ? (
        <p className="jp-mlops-export-unsaved" role="note">
          It has unsaved changes: they are saved first, because the export reads the file on disk.
        </p>
      ) : null}
      <fieldset className="jp-mlops-export-targets">
        <legend>Target</legend>
        {TARGETS.map(info => (
          <label key={info.target} className="jp-mlops-export-target">
            <input
              type="radio"
              name="jp-mlops-export-target"
              value={info.target}
              checked={form.target === info.target}
              onChange={() => change({ target: info.target })}
            />
            <span className="jp-mlops-export-target-label">{info.label}</span>
            <span className="jp-mlops-export-target-help">{info.description}</span>
          </label>
        ))}
      </fieldset>
      <label className="jp-mlops-export-field">
        <span>Output folder</span>
        <input
          type="text"
          className="jp-mod-styled"
          name="out"
          value={form.out}
          spellCheck={false}
          onChange={event => change({ out: event.target.value })}
        />
        <small>A new folder, relative to the Jupyter root. It must not exist yet.</small>
      </label>
      <label className="jp-mlops-export-field">
        <span>Pipeline name (optional)</span>
        <input
          type="text"
          className="jp-mod-styled"
          name="name"
          value={form.name}
          placeholder="the notebook's name"
          spellCheck={false}
          onChange={event => change({ name: event.target.value })}
        />
      </label>
      {problem ? (
        <p className="jp-mlops-export-problem" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

class ExportFormWidget extends ReactWidget implements Dialog.IBodyWidget<IExportForm> {
  constructor(
    private readonly options: IDialogOptions,
    private form: IExportForm
  ) {
    super();
    this.addClass('jp-mlops-export-dialog');
  }

  getValue(): IExportForm {
    return this.form;
  }

  render(): JSX.Element {
    return (
      <ExportFormView
        notebook={this.options.notebook}
        unsaved={this.options.unsaved}
        initial={this.form}
        onChange={form => {
          this.form = form;
        }}
      />
    );
  }
}

/**
 * Ask how to export; null when cancelled. A form that fails the checks (Enter submits
 * even while Export is greyed out) is shown again with its problem, never sent.
 */
export async function askExportOptions(options: IDialogOptions): Promise<IExportForm | null> {
  let form = initialForm(options.notebook, options.target ?? 'python', options.name ?? '');
  if (options.out !== undefined) {
    form = { ...form, out: options.out };
  }
  for (;;) {
    const result = await showDialog<IExportForm>({
      title: 'Export Notebook as Pipeline',
      body: new ExportFormWidget(options, form),
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: 'Export', ariaLabel: 'Export the notebook' })
      ],
      focusNodeSelector: 'input[name="out"]'
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    form = result.value;
    if (validateForm(form) === null) {
      return form;
    }
  }
}
