/**
 * The Schedules panel of the Runs section (issue 14): the user's recurring
 * runs, each with when it fires next, whether it is paused, what it can cost a
 * month and its last runs, with Pause/Resume, Edit parameters and Delete.
 * Asked for while the section is on screen, again every
 * {@link SCHEDULES_POLL_SECONDS}; nothing is shown by a server without the
 * route.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IProblem } from '../api';
import type { UcdhClient } from '../client';
import { formatDateTime } from '../common/format';
import { toProblem } from '../common/problem';
import { ProblemView } from '../common/problemview';
import { RefreshButton } from '../common/refreshbutton';
import { formatCost } from '../compute/model';
import { CSS } from '../tokens';
import { baseName, stateBadge } from './model';
import type { ISchedule, IScheduleUpdate } from './scheduleapi';
import { confirmDelete, ParametersForm } from './scheduleedit';
import { formatIn } from './schedulemodel';

const C = CSS.Schedule;

/** Seconds between two asks while the section is on screen. */
export const SCHEDULES_POLL_SECONDS = 30;

/** Props of {@link SchedulesPanel}. */
export interface ISchedulesPanelProps {
  client: UcdhClient;
  trans: TranslationBundle;
  /** The section is on screen: ask now and every few seconds. */
  visible: boolean;
  /** Changes when the list should be asked for again at once. */
  tick: number;
  /** Bring a run's card in the runs list into view; false when it is not there. */
  onShowRun?: (runId: string) => boolean;
  /** Milliseconds between asks; {@link SCHEDULES_POLL_SECONDS} by default. */
  intervalMs?: number;
}

/** What a schedule's buttons do. */
type Action = 'pause' | 'edit' | 'delete';

/** The user's schedules, below the runs. */
export function SchedulesPanel(
  props: ISchedulesPanelProps
): JSX.Element | null {
  const { client, trans, visible, tick } = props;
  const [schedules, setSchedules] = React.useState<ISchedule[] | null>(null);
  const [error, setError] = React.useState<IProblem | null>(null);
  const [missing, setMissing] = React.useState(false);
  const [attempt, setAttempt] = React.useState(0);
  const [pending, setPending] = React.useState<Record<string, Action>>({});
  const [problems, setProblems] = React.useState<Record<string, IProblem>>({});
  const [now, setNow] = React.useState(Date.now);

  React.useEffect(() => {
    if (!visible || missing) {
      return;
    }
    const controller = new AbortController();
    const ask = (): void => {
      client.schedules.listSchedules(controller.signal).then(
        list => {
          setSchedules(list);
          setError(null);
          setNow(Date.now());
        },
        reason => {
          const problem = toProblem(reason);
          if (controller.signal.aborted) {
            return;
          }
          // A server from before schedules: nothing to offer.
          if (problem.status === 404) {
            setMissing(true);
          } else {
            setError(problem);
          }
        }
      );
    };
    ask();
    const timer = window.setInterval(
      ask,
      props.intervalMs ?? SCHEDULES_POLL_SECONDS * 1000
    );
    return () => {
      window.clearInterval(timer);
      controller.abort();
    };
  }, [visible, tick, attempt, missing]);

  if (missing) {
    return null;
  }

  /** Do what a button asks; the answer replaces the schedule, a failure shows on it. */
  const act = async (
    schedule: ISchedule,
    action: Action,
    request: () => Promise<ISchedule | null>
  ): Promise<boolean> => {
    setPending(current => ({ ...current, [schedule.id]: action }));
    setProblems(({ [schedule.id]: _, ...rest }) => rest);
    try {
      const updated = await request();
      setSchedules(current =>
        (current ?? [])
          .map(item => (item.id === schedule.id ? updated : item))
          .filter((item): item is ISchedule => item !== null)
      );
      return true;
    } catch (reason) {
      setProblems(current => ({
        ...current,
        [schedule.id]: toProblem(reason)
      }));
      return false;
    } finally {
      setPending(({ [schedule.id]: _, ...rest }) => rest);
    }
  };
  const update = (schedule: ISchedule, action: Action, body: IScheduleUpdate) =>
    act(schedule, action, () =>
      client.schedules.updateSchedule(schedule.id, body)
    );
  const remove = async (schedule: ISchedule): Promise<void> => {
    if (await confirmDelete(schedule, trans)) {
      await act(schedule, 'delete', async () => {
        await client.schedules.deleteSchedule(schedule.id);
        return null;
      });
    }
  };

  return (
    <section className={C.panel} aria-label={trans.__('Schedules')}>
      <div className={CSS.Runs.bar}>
        <h3 className={C.heading}>{trans.__('Schedules')}</h3>
        <RefreshButton
          className={C.refresh}
          label={trans.__('Refresh schedules')}
          onClick={() => setAttempt(n => n + 1)}
        />
      </div>
      {error && (
        <ProblemView
          problem={error}
          busy={false}
          onRetry={() => setAttempt(n => n + 1)}
          trans={trans}
        />
      )}
      {schedules?.length === 0 && (
        <p className={C.empty}>
          {trans.__(
            'No schedules. Turn on “Run on a schedule” in the Run dialog.'
          )}
        </p>
      )}
      {!!schedules?.length && (
        <ul className={C.list}>
          {schedules.map(schedule => (
            <ScheduleRow
              key={schedule.id}
              schedule={schedule}
              now={now}
              pending={pending[schedule.id]}
              problem={problems[schedule.id]}
              onPause={() =>
                void update(schedule, 'pause', { active: !schedule.active })
              }
              onSave={parameters => update(schedule, 'edit', { parameters })}
              onDelete={() => void remove(schedule)}
              onShowRun={props.onShowRun}
              trans={trans}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

/** Props of {@link ScheduleRow}. */
interface IScheduleRowProps {
  schedule: ISchedule;
  now: number;
  pending: Action | undefined;
  problem: IProblem | undefined;
  onPause: () => void;
  /** Resolves true once the server took the parameters. */
  onSave: (parameters: Record<string, unknown>) => Promise<boolean>;
  onDelete: () => void;
  onShowRun?: (runId: string) => boolean;
  trans: TranslationBundle;
}

/** One schedule. */
function ScheduleRow(props: IScheduleRowProps): JSX.Element {
  const { schedule, now, pending, problem, trans } = props;
  const [editing, setEditing] = React.useState(false);
  const name = baseName(schedule.notebook_path);
  const next = schedule.next_fires[0];
  const perMonth = schedule.max_cost_per_month_usd;
  const hasParameters = Object.keys(schedule.parameters).length > 0;
  return (
    <li
      className={C.row}
      data-schedule-id={schedule.id}
      data-state={schedule.active ? 'active' : 'paused'}
      aria-label={trans.__('Schedule of %1: %2', name, schedule.description)}
    >
      <div className={CSS.Runs.head}>
        <span
          className={C.state}
          data-tone={schedule.active ? 'active' : 'muted'}
        >
          {schedule.active ? trans.__('Active') : trans.__('Paused')}
        </span>
        <span className={C.name} title={schedule.notebook_path}>
          {name}
        </span>
      </div>
      <p className={C.description}>{schedule.description}</p>
      <div className={CSS.Runs.facts}>
        <span className={C.next}>
          {!schedule.active ? (
            trans.__('Paused: no next run')
          ) : next ? (
            <time dateTime={next} title={trans.__('Your local time')}>
              {trans.__(
                'Next run %1 (%2)',
                formatDateTime(next),
                formatIn(next, now, trans)
              )}
            </time>
          ) : (
            trans.__('No more runs')
          )}
        </span>
        <span
          className={C.cost}
          title={trans._n(
            'At most %1 run a month at its maximum cost',
            'At most %1 runs a month at their maximum cost',
            schedule.fires_per_month
          )}
        >
          {perMonth === null
            ? trans.__('cost a month unknown')
            : trans.__('at most %1 a month', formatCost(perMonth))}
        </span>
      </div>
      <LastRuns {...props} />
      <div className={C.actions}>
        <button
          type="button"
          className={`${C.pause} jp-Button jp-mod-styled`}
          disabled={pending !== undefined}
          onClick={props.onPause}
        >
          {schedule.active ? trans.__('Pause') : trans.__('Resume')}
        </button>
        {hasParameters && (
          <button
            type="button"
            className={`${C.edit} jp-Button jp-mod-styled`}
            aria-expanded={editing}
            disabled={pending !== undefined}
            onClick={() => setEditing(!editing)}
          >
            {trans.__('Edit parameters')}
          </button>
        )}
        <button
          type="button"
          className={`${C.remove} jp-Button jp-mod-styled jp-mod-warn`}
          disabled={pending !== undefined}
          onClick={props.onDelete}
        >
          {trans.__('Delete')}
        </button>
      </div>
      {editing && (
        <ParametersForm
          schedule={schedule}
          busy={pending === 'edit'}
          onSave={async parameters => {
            if (await props.onSave(parameters)) {
              setEditing(false);
            }
          }}
          onCancel={() => setEditing(false)}
          trans={trans}
        />
      )}
      {problem && <ProblemView problem={problem} busy={false} trans={trans} />}
    </li>
  );
}

/** The schedule's last runs as state dots; a click shows the run in the list. */
function LastRuns(props: IScheduleRowProps): JSX.Element {
  const { schedule, trans } = props;
  const [shown, setShown] = React.useState<string | null>(null);
  if (schedule.last_runs.length === 0) {
    return (
      <p className={C.runs}>
        {trans.__('No runs yet.')}{' '}
        {schedule.snapshot_at &&
          trans.__('Notebook frozen %1.', formatDateTime(schedule.snapshot_at))}
      </p>
    );
  }
  return (
    <div className={C.runs}>
      <span>{trans.__('Last runs:')}</span>
      {schedule.last_runs.map(run => {
        const badge = stateBadge(run.state, trans);
        const label = trans.__(
          'Run %1, %2: %3',
          run.id,
          formatDateTime(run.created_at),
          badge.label
        );
        return (
          <button
            type="button"
            key={run.id}
            className={`${C.run} jp-Button jp-mod-minimal`}
            data-state={run.state}
            data-tone={badge.tone}
            aria-label={label}
            title={label}
            onClick={() => setShown(props.onShowRun?.(run.id) ? null : label)}
          />
        );
      })}
      {shown && (
        <span className={CSS.RunDialog.help} aria-live="polite">
          {shown}
        </span>
      )}
    </div>
  );
}
