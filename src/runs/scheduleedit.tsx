/**
 * What the Schedules panel asks before changing a schedule: its parameters,
 * typed as in the run dialog, and whether to delete it (its past runs stay).
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { CSS } from '../tokens';
import { ParameterInputs } from './fields';
import { baseName, parameterText, parseParameter } from './model';
import type { ISchedule } from './scheduleapi';

const C = CSS.Schedule;

/** The parameters the schedule sets, typed as in the run dialog. */
export function ParametersForm(props: {
  schedule: ISchedule;
  busy: boolean;
  onSave: (parameters: Record<string, unknown>) => void;
  onCancel: () => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { schedule, busy, trans } = props;
  const [texts, setTexts] = React.useState(() => {
    const initial: Record<string, string> = {};
    for (const [name, value] of Object.entries(schedule.parameters)) {
      initial[name] = parameterText(value);
    }
    return initial;
  });
  const first = React.useRef<HTMLInputElement>(null);
  React.useEffect(() => first.current?.focus(), []);
  return (
    <form
      className={C.editForm}
      aria-label={trans.__('Parameters of the schedule')}
      onSubmit={event => {
        event.preventDefault();
        const parameters: Record<string, unknown> = {};
        for (const [name, text] of Object.entries(texts)) {
          parameters[name] = parseParameter(text, schedule.parameters[name]);
        }
        props.onSave(parameters);
      }}
      onKeyDown={event => {
        if (event.key === 'Escape') {
          props.onCancel();
        }
      }}
    >
      <ParameterInputs
        names={Object.keys(texts)}
        firstRef={first}
        value={name => texts[name]}
        onChange={(name, text) => setTexts({ ...texts, [name]: text })}
      />
      <p className={CSS.RunDialog.help}>
        {trans.__(
          'Saving freezes the notebook and its files again as they are now.'
        )}
      </p>
      <button
        type="submit"
        className={`${C.save} jp-Button jp-mod-styled jp-mod-accept`}
        disabled={busy}
      >
        {busy ? trans.__('Saving…') : trans.__('Save')}
      </button>
      <button
        type="button"
        className="jp-Button jp-mod-styled"
        onClick={props.onCancel}
      >
        {trans.__('Cancel')}
      </button>
    </form>
  );
}

/** Ask before deleting; past runs stay. */
export async function confirmDelete(
  schedule: ISchedule,
  trans: TranslationBundle
): Promise<boolean> {
  const answer = await showDialog({
    title: trans.__(
      'Delete the schedule of %1?',
      baseName(schedule.notebook_path)
    ),
    body: trans.__(
      '%1. No more runs will start; its past runs stay in the Runs list with their results.',
      schedule.description
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Keep it') }),
      Dialog.warnButton({ label: trans.__('Delete schedule') })
    ]
  });
  return answer.button.accept;
}
