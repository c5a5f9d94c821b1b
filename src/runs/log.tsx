/**
 * A run's log in a dialog, scrolled to its end, where the latest lines are.
 */
import { Dialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { CSS } from '../tokens';

/** The log text, scrolled to the bottom when shown. */
export function LogView(props: {
  text: string;
  trans: TranslationBundle;
}): JSX.Element {
  const ref = React.useRef<HTMLPreElement>(null);
  React.useEffect(() => {
    if (ref.current) {
      ref.current.scrollTop = ref.current.scrollHeight;
    }
  }, [props.text]);
  return (
    <pre
      ref={ref}
      className={CSS.Runs.logView}
      tabIndex={0}
      aria-label={props.trans.__('Run log')}
    >
      {props.text || props.trans.__('The log is empty so far.')}
    </pre>
  );
}

/** Show a log until the user closes it. */
export async function showRunLog(
  title: string,
  text: string,
  trans: TranslationBundle
): Promise<void> {
  const dialog = new Dialog({
    title,
    body: ReactWidget.create(<LogView text={text} trans={trans} />),
    buttons: [Dialog.okButton({ label: trans.__('Close') })],
    hasClose: true
  });
  dialog.addClass('jp-ucdh-RunLogDialog');
  await dialog.launch();
}
