/**
 * "E-mail when a run ends", at the foot of the Runs section: the address the
 * user gave, whether SNS has it confirmed, and the way to turn it on or off.
 * Shown only when the administrator set up a topic; the server sends the
 * mail (never the notebook's name, output or parameter values).
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IProblem } from '../api';
import type { UcdhClient } from '../client';
import { toProblem } from '../common/problem';
import { CSS } from '../tokens';
import type { INotificationStatus } from './api';

/** Props of {@link RunMail}. */
export interface IRunMailProps {
  client: UcdhClient;
  trans: TranslationBundle;
}

/** The e-mail choice of the Runs section. */
export function RunMail(props: IRunMailProps): JSX.Element | null {
  const { client, trans } = props;
  const [status, setStatus] = React.useState<INotificationStatus | null>(null);
  const [editing, setEditing] = React.useState(false);
  const [address, setAddress] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [problem, setProblem] = React.useState<IProblem | null>(null);
  const input = React.useRef<HTMLInputElement>(null);

  React.useEffect(() => {
    const controller = new AbortController();
    client.runs
      .getNotifications(controller.signal)
      .then(setStatus)
      // Without an answer there is nothing to offer; runs work as ever.
      .catch(() => undefined);
    return () => controller.abort();
  }, [client]);

  React.useEffect(() => {
    if (editing) {
      input.current?.focus();
    }
  }, [editing]);

  if (!status?.available) {
    return null;
  }

  const act = async (
    request: () => Promise<INotificationStatus>
  ): Promise<void> => {
    setBusy(true);
    setProblem(null);
    try {
      setStatus(await request());
      setEditing(false);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  };

  /** Leave the form as it was before: no address asked for, no problem shown. */
  const close = (): void => {
    setEditing(false);
    setProblem(null);
  };

  const on = status.state !== 'off' && status.address;
  return (
    <div className={CSS.Runs.mail}>
      {editing ? (
        <form
          className={CSS.Runs.mailForm}
          onSubmit={event => {
            event.preventDefault();
            void act(() => client.runs.setNotifications(address));
          }}
          onKeyDown={event => {
            if (event.key === 'Escape') {
              close();
            }
          }}
        >
          <label>
            {trans.__('E-mail me when a run ends, at')}{' '}
            <input
              ref={input}
              type="email"
              required
              value={address}
              aria-invalid={problem ? true : undefined}
              placeholder={trans.__('you@hospital.org')}
              onChange={event => setAddress(event.target.value)}
            />
          </label>
          <button
            type="submit"
            className="jp-mod-styled jp-mod-accept"
            disabled={busy}
          >
            {trans.__('Send the confirmation link')}
          </button>
          <button type="button" className="jp-mod-styled" onClick={close}>
            {trans.__('Cancel')}
          </button>
        </form>
      ) : (
        <p className={CSS.Runs.mailLine}>
          <span>
            {!on
              ? trans.__('E-mail when a run ends: off.')
              : status.state === 'pending'
                ? trans.__(
                    'E-mail when a run ends: waiting for you to follow the link sent to %1.',
                    status.address ?? ''
                  )
                : trans.__(
                    'E-mail when a run ends: on, to %1.',
                    status.address ?? ''
                  )}
          </span>{' '}
          {on ? (
            <button
              type="button"
              className={CSS.Runs.mailToggle}
              disabled={busy}
              onClick={() => void act(() => client.runs.stopNotifications())}
            >
              {trans.__('Turn off')}
            </button>
          ) : (
            <button
              type="button"
              className={CSS.Runs.mailToggle}
              onClick={() => {
                setAddress(status.address ?? '');
                setEditing(true);
              }}
            >
              {trans.__('Turn on…')}
            </button>
          )}
        </p>
      )}
      {problem && (
        <p className={CSS.Runs.mailProblem} role="alert">
          {problem.message} {problem.hint}
        </p>
      )}
    </div>
  );
}
