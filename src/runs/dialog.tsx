/**
 * The Run on AWS dialog: a modal around {@link RunForm} that stays open until
 * the server has accepted the run, so a refused run (over budget, type not
 * allowed) is explained where it can be fixed.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { UcdhClient, UcdhClientContext } from '../client';
import { StatusModel } from '../status/model';
import { CSS } from '../tokens';
import { pageRunChoices, RunChoices } from './choices';
import { RunForm, SubmitFn, Submitted } from './form';
import { baseName, IRerun } from './model';

/** The dialog's body widget; its value is the submitted run or schedule. */
export class RunFormWidget extends ReactWidget {
  /** Build the form for one notebook. */
  constructor(options: RunFormWidget.IOptions) {
    super();
    this._options = options;
    this._ownsStatus = !options.status;
    this._status = options.status ?? new StatusModel(options.client);
    this.addClass(CSS.RunDialog.content);
  }

  dispose(): void {
    if (this._ownsStatus) {
      this._status.dispose();
    }
    super.dispose();
  }

  /** Told when "Run on a schedule" turns on or off. */
  onScheduleChange: ((on: boolean) => void) | null = null;

  /** Validate and submit; resolves with the run or schedule, or null when it was not accepted. */
  async submit(): Promise<Submitted | null> {
    this._run = this._run ?? (await this._submit());
    return this._run;
  }

  /** The run or schedule once submitted (what the dialog resolves with). */
  getValue(): Submitted | null {
    return this._run;
  }

  protected render(): JSX.Element {
    const { client, ...options } = this._options;
    return (
      <UcdhClientContext.Provider value={client}>
        <RunForm
          {...options}
          status={this._status}
          choices={this._options.choices ?? pageRunChoices}
          registerSubmit={submit => {
            this._submit = submit;
          }}
          onScheduleChange={on => this.onScheduleChange?.(on)}
        />
      </UcdhClientContext.Provider>
    );
  }

  private _options: RunFormWidget.IOptions;
  /** The configuration the form reads; its own when none is shared. */
  private _status: StatusModel;
  private _ownsStatus: boolean;
  private _submit: SubmitFn = async () => null;
  private _run: Submitted | null = null;
}

/** Statics of {@link RunFormWidget}. */
export namespace RunFormWidget {
  /** Options to build a {@link RunFormWidget}. */
  export interface IOptions {
    notebookPath: string;
    trans: TranslationBundle;
    /** The server routes. */
    client: UcdhClient;
    /** The shared configuration (run backends, limits); the form's own when omitted. */
    status?: StatusModel;
    /** The last run's choices (state database); the page's in-memory ones when omitted. */
    choices?: RunChoices;
    initial?: IRerun;
    debounceMs?: number;
  }
}

const SUBMIT_INDEX = 1;

/** A dialog whose submit button submits the form and closes only on success. */
export class RunDialog extends Dialog<Submitted | null> {
  /** Build the dialog around a form. */
  constructor(form: RunFormWidget, trans: TranslationBundle, title: string) {
    super({
      title,
      body: form,
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({
          label: trans.__('Run on AWS'),
          className: CSS.RunDialog.submit
        })
      ],
      defaultButton: SUBMIT_INDEX,
      hasClose: true
    });
    this._form = form;
    this.addClass(CSS.RunDialog.root);
    // "Run on a schedule" creates a schedule rather than a run: say so on the button.
    form.onScheduleChange = on => {
      const label = on ? trans.__('Create schedule') : trans.__('Run on AWS');
      const button = this.node.querySelector(`.${CSS.RunDialog.submit}`);
      const text = button?.querySelector('.jp-Dialog-buttonLabel') ?? button;
      if (text) {
        text.textContent = label;
        text.setAttribute('title', label);
      }
    };
  }

  /** Submitting waits for the server; any other button closes at once. */
  resolve(index?: number): void {
    const chosen = index ?? SUBMIT_INDEX;
    if (chosen !== SUBMIT_INDEX || this._form.getValue()) {
      super.resolve(chosen);
      return;
    }
    if (this._pending) {
      return;
    }
    this._pending = true;
    void this._form.submit().then(run => {
      this._pending = false;
      if (run) {
        super.resolve(chosen);
      }
    });
  }

  /**
   * Enter in a field (a filter, the runtime) must not launch a machine: only
   * the focused submit button does.
   */
  protected _evtKeydown(event: KeyboardEvent): void {
    if (event.key === 'Tab') {
      this._wrapTab(event);
      return;
    }
    if (event.key === 'Enter') {
      const active = document.activeElement;
      const footer = this.node.querySelector('.jp-Dialog-footer');
      if (!(active instanceof HTMLButtonElement && footer?.contains(active))) {
        return;
      }
    }
    super._evtKeydown(event);
  }

  /**
   * Tab goes through every field, in page order, and wraps at both ends.
   *
   * JupyterLab's dialog sends Tab on its last button to the first focusable
   * element it found when it opened, before this form had rendered: the
   * Cancel button. Tab then only went between the two buttons, and the
   * backend, machine and runtime fields could not be reached forward.
   */
  private _wrapTab(event: KeyboardEvent): void {
    const focusable = Array.from(
      this.node.querySelectorAll<HTMLElement>(FOCUSABLE)
    ).filter(
      node =>
        !(node as HTMLInputElement).disabled &&
        node.getAttribute('aria-hidden') !== 'true' &&
        !node.closest('[hidden]')
    );
    if (focusable.length === 0) {
      return;
    }
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = document.activeElement;
    const target = event.shiftKey
      ? active === first || !this.node.contains(active)
        ? last
        : null
      : active === last || !this.node.contains(active)
        ? first
        : null;
    if (target) {
      event.preventDefault();
      event.stopPropagation();
      target.focus();
    }
  }

  private _form: RunFormWidget;
  private _pending = false;
}

/** What Tab stops at in the dialog, in page order. */
const FOCUSABLE = [
  'input',
  'select',
  'textarea',
  'button',
  'a[href]',
  '[tabindex]:not([tabindex="-1"])'
].join(',');

/** A document that can tell whether it has unsaved changes, and save them. */
export interface ISaveable {
  model: { dirty: boolean } | null;
  save(): Promise<void>;
}

/** Options of {@link openRunDialog}. */
export interface IOpenRunDialogOptions extends RunFormWidget.IOptions {
  /** The open notebook, to offer saving it first; the saved file is what runs. */
  document?: ISaveable | null;
}

/**
 * Ask to save unsaved changes, then show the run dialog.
 *
 * @returns the submitted run or schedule, or null when the user cancelled
 */
export async function openRunDialog(
  options: IOpenRunDialogOptions
): Promise<Submitted | null> {
  const { trans, notebookPath } = options;
  const name = baseName(notebookPath);
  const document = options.document;
  if (document?.model?.dirty) {
    const answer = await showDialog({
      title: trans.__('Save %1 first?', name),
      body: trans.__(
        'A run executes the saved notebook, and %1 has unsaved changes.',
        name
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Save and continue') })
      ]
    });
    if (!answer.button.accept) {
      return null;
    }
    await document.save();
  }
  const form = new RunFormWidget(options);
  const dialog = new RunDialog(form, trans, trans.__('Run %1 on AWS', name));
  const result = await dialog.launch();
  return result.button.accept ? result.value : null;
}
