/**
 * A run's log in a dialog, scrolled to its end, where the latest lines are.
 *
 * EC2 runs have two logs: the notebook's (written by the runner) and the
 * machine's boot log (cloud-init's output, uploaded when the machine stops).
 * A run that failed before its runner started has only the second, so the
 * dialog opens on it, under the cause the machine reported.
 */
import { Dialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { IProblem } from '../api';
import type { IRun, IRunLog, RunLogSource } from './api';
import { ProblemView } from '../common/problemview';
import { toProblem } from '../common/problem';
import { CSS } from '../tokens';
import { formatBytes } from '../common/format';
import { failureText, isFinal } from './model';

/** Reads one log of the run (through the API client). */
export type LoadRunLog = (source: RunLogSource) => Promise<IRunLog>;

/** The logs a run has: the boot log only on an EC2 machine. */
export function logSources(run: IRun): RunLogSource[] {
  return run.backend === 'ec2' ? ['runner', 'boot'] : ['runner'];
}

/**
 * The log the dialog opens on: the boot log when an EC2 run ended without
 * success and its runner wrote nothing (it never started), else the notebook's.
 */
export function firstLogSource(run: IRun, runnerLog: IRunLog): RunLogSource {
  const ended = isFinal(run.state) && run.state !== 'SUCCEEDED';
  return run.backend === 'ec2' && ended && !runnerLog.log.trim()
    ? 'boot'
    : 'runner';
}

/** The log text, scrolled to the bottom when shown. */
export function LogView(props: {
  text: string;
  trans: TranslationBundle;
  /** The accessible name; "Run log" when omitted. */
  label?: string;
  /** Shown when the log is empty. */
  empty?: string;
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
      aria-label={props.label ?? props.trans.__('Run log')}
    >
      {props.text || props.empty || props.trans.__('The log is empty so far.')}
    </pre>
  );
}

/** What to say above a log: that it is cut, or that there is none yet. */
function logNote(
  run: IRun,
  log: IRunLog,
  trans: TranslationBundle
): string | null {
  if (log.truncated && log.size !== undefined) {
    return trans.__(
      'Only the end of this log is shown: it is %1 long.',
      formatBytes(log.size)
    );
  }
  if (log.source === 'boot' && log.available === false) {
    return isFinal(run.state)
      ? trans.__(
          'This machine uploaded no boot log (it does so when it stops; a machine terminated from outside cannot).'
        )
      : trans.__('The machine uploads its boot log when it stops.');
  }
  return null;
}

/**
 * The cause of a failed run above its logs, and for EC2 runs a choice
 * between the notebook's log and the machine's boot log (tabs: arrow keys,
 * Home and End move between them).
 */
export function RunLogPanel(props: {
  run: IRun;
  /** The log shown first. */
  first: RunLogSource;
  /** Logs already read; the others are read when chosen. */
  initial: Partial<Record<RunLogSource, IRunLog>>;
  load: LoadRunLog;
  trans: TranslationBundle;
}): JSX.Element {
  const { run, load, trans } = props;
  const sources = logSources(run);
  const [source, setSource] = React.useState<RunLogSource>(props.first);
  const [logs, setLogs] = React.useState(props.initial);
  const [problems, setProblems] = React.useState<
    Partial<Record<RunLogSource, IProblem>>
  >({});
  // Bumped to read the shown log again after a failure (Retry).
  const [attempt, setAttempt] = React.useState(0);
  const tabs = React.useRef<Partial<Record<RunLogSource, HTMLButtonElement>>>(
    {}
  );

  React.useEffect(() => {
    if (logs[source] || problems[source]) {
      return;
    }
    let live = true;
    load(source).then(
      log => live && setLogs(shown => ({ ...shown, [source]: log })),
      error =>
        live && setProblems(shown => ({ ...shown, [source]: toProblem(error) }))
    );
    return () => {
      live = false;
    };
  }, [source, attempt]);

  const retry = (): void => {
    setProblems(shown => ({ ...shown, [source]: undefined }));
    setAttempt(n => n + 1);
  };
  const choose = (next: RunLogSource, focus = false): void => {
    setSource(next);
    if (focus) {
      tabs.current[next]?.focus();
    }
  };
  const onKeyDown = (event: React.KeyboardEvent): void => {
    const at = sources.indexOf(source);
    const moves: Record<string, number> = {
      ArrowRight: (at + 1) % sources.length,
      ArrowLeft: (at - 1 + sources.length) % sources.length,
      Home: 0,
      End: sources.length - 1
    };
    if (event.key in moves) {
      event.preventDefault();
      choose(sources[moves[event.key]], true);
    }
  };

  const names: Record<RunLogSource, string> = {
    runner: trans.__('Notebook log'),
    boot: trans.__('Boot log')
  };
  const cause = run.state === 'FAILED' ? failureText(run, trans) : null;
  const log = logs[source];
  const problem = problems[source];
  const note = log ? logNote(run, log, trans) : null;
  const panelId = `jp-ucdh-RunLog-${run.id}`;
  return (
    <div className={CSS.Runs.logPanel}>
      {cause && (
        <p className={CSS.Runs.logCause} role="status">
          {cause}
        </p>
      )}
      {sources.length > 1 && (
        <div
          className={CSS.Runs.logSources}
          role="tablist"
          aria-label={trans.__('Logs of this run')}
          onKeyDown={onKeyDown}
        >
          {sources.map(name => (
            <button
              key={name}
              ref={node => {
                tabs.current[name] = node ?? undefined;
              }}
              type="button"
              role="tab"
              id={`${panelId}-${name}`}
              aria-selected={name === source}
              aria-controls={panelId}
              tabIndex={name === source ? 0 : -1}
              className={`${CSS.Runs.logSource} jp-mod-styled`}
              data-source={name}
              onClick={() => choose(name)}
            >
              {names[name]}
            </button>
          ))}
        </div>
      )}
      <div
        id={panelId}
        role={sources.length > 1 ? 'tabpanel' : undefined}
        aria-labelledby={
          sources.length > 1 ? `${panelId}-${source}` : undefined
        }
        data-source={source}
      >
        {note && <p className={CSS.Runs.logNote}>{note}</p>}
        {problem ? (
          <ProblemView
            problem={problem}
            busy={false}
            onRetry={retry}
            trans={trans}
          />
        ) : log ? (
          <LogView
            text={log.log}
            trans={trans}
            label={names[source]}
            empty={
              source !== 'boot' || log.available !== false
                ? undefined
                : isFinal(run.state)
                  ? trans.__('There is no boot log.')
                  : trans.__('No boot log yet.')
            }
          />
        ) : (
          <p className={CSS.Runs.logNote}>{trans.__('Reading the log…')}</p>
        )}
      </div>
      {/* What an administrator or support asks for; the title says when. */}
      <p className={CSS.Runs.logRunId}>{trans.__('Run id: %1', run.id)}</p>
    </div>
  );
}

/** Show a run's logs until the user closes the dialog. */
export async function showRunLog(
  title: string,
  panel: {
    run: IRun;
    first: RunLogSource;
    initial: Partial<Record<RunLogSource, IRunLog>>;
    load: LoadRunLog;
  },
  trans: TranslationBundle
): Promise<void> {
  const dialog = new Dialog({
    title,
    body: ReactWidget.create(<RunLogPanel {...panel} trans={trans} />),
    buttons: [Dialog.okButton({ label: trans.__('Close') })],
    hasClose: true
  });
  dialog.addClass(CSS.Runs.logDialog);
  await dialog.launch();
}
