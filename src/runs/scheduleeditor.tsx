/**
 * The run dialog's schedule editor (issue 14): "Run on a schedule" repeats
 * the run, with Jupyter closed, every N minutes or hours, daily, on some
 * weekdays, monthly or on a cron expression, in a time zone, until an
 * optional last day. It shows what that can cost a month before the schedule
 * is created; the server checks the same figure against the monthly budget.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { formatCost } from '../compute/model';
import { CSS } from '../tokens';
import type { RecurrenceKind, WeekDay } from './scheduleapi';
import {
  firesPerMonth,
  hourSteps,
  IScheduleLimits,
  IScheduleState,
  minuteSteps,
  timeZones,
  WEEK
} from './schedulemodel';

const C = CSS.Schedule;

/** Props of {@link ScheduleEditor}. */
export interface IScheduleEditorProps {
  state: IScheduleState;
  onChange: React.Dispatch<React.SetStateAction<IScheduleState>>;
  limits: IScheduleLimits;
  /** The cost block's maximum for one run; null before the server priced it. */
  maxCostPerRun: number | null;
  trans: TranslationBundle;
}

/**
 * Keep the sweep and the schedule exclusive: turning one on turns the other
 * off (a schedule runs one parameter set per fire).
 */
export function useExclusive(
  sweepOn: boolean,
  setSweepOff: () => void,
  scheduleOn: boolean,
  setScheduleOff: () => void
): void {
  React.useEffect(() => {
    if (sweepOn) {
      setScheduleOff();
    }
  }, [sweepOn]);
  React.useEffect(() => {
    if (scheduleOn) {
      setSweepOff();
    }
  }, [scheduleOn]);
}

/** The switch, and once on, the recurrence, time zone, end date and monthly cost. */
export function ScheduleEditor(props: IScheduleEditorProps): JSX.Element {
  const { state, onChange, limits, trans } = props;
  const id = React.useId();
  const set = (change: Partial<IScheduleState>): void =>
    onChange(current => ({ ...current, ...change }));
  const off = limits.maxPerUser === 0;
  const minutes = minuteSteps(limits);
  const hours = hourSteps(limits);
  const kinds: [RecurrenceKind, string][] = [
    ['minutes', trans.__('Every few minutes')],
    ['hourly', trans.__('Hourly')],
    ['daily', trans.__('Daily')],
    ['weekly', trans.__('Weekly')],
    ['monthly', trans.__('Monthly')],
    ['cron', trans.__('Cron expression')]
  ];
  const offered = kinds.filter(
    ([kind]) =>
      (kind !== 'minutes' || minutes.length > 0) &&
      (kind !== 'hourly' || hours.length > 0)
  );
  return (
    <fieldset className={C.editor}>
      <legend>{trans.__('Recurring run')}</legend>
      <label className={C.toggle}>
        <input
          type="checkbox"
          role="switch"
          checked={state.on}
          disabled={off}
          aria-describedby={`${id}-help`}
          onChange={event => set({ on: event.target.checked })}
        />
        {trans.__('Run on a schedule')}
      </label>
      <p id={`${id}-help`} className={CSS.RunDialog.help}>
        {off
          ? trans.__('Schedules are turned off here.')
          : trans.__(
              'Runs the notebook and files as they are now, again and again, even with Jupyter closed.'
            )}
      </p>
      {state.on && (
        <div className={CSS.RunDialog.grid}>
          <label htmlFor={`${id}-kind`}>{trans.__('Repeat')}</label>
          <select
            id={`${id}-kind`}
            className={`${C.kind} jp-mod-styled`}
            value={state.kind}
            onChange={event =>
              set({ kind: event.target.value as RecurrenceKind })
            }
          >
            {offered.map(([kind, label]) => (
              <option key={kind} value={kind}>
                {label}
              </option>
            ))}
          </select>
          <When {...props} id={id} minutes={minutes} hours={hours} />
          <label htmlFor={`${id}-zone`}>{trans.__('Time zone')}</label>
          <ZoneField {...props} id={`${id}-zone`} />
          <label htmlFor={`${id}-end`}>{trans.__('Last day')}</label>
          <span>
            <input
              id={`${id}-end`}
              className={`${C.endDate} jp-mod-styled`}
              type="date"
              value={state.endDate}
              aria-describedby={`${id}-end-help`}
              onChange={event => set({ endDate: event.target.value })}
            />{' '}
            <span id={`${id}-end-help`} className={CSS.RunDialog.help}>
              {trans.__('optional; empty: until you delete it')}
            </span>
          </span>
          <MonthlyCost {...props} />
        </div>
      )}
    </fieldset>
  );
}

/** The fields of the chosen kind: the step, the minute, time, days or expression. */
function When(
  props: IScheduleEditorProps & {
    id: string;
    minutes: number[];
    hours: number[];
  }
): JSX.Element | null {
  const { state, onChange, trans, id } = props;
  const set = (change: Partial<IScheduleState>): void =>
    onChange(current => ({ ...current, ...change }));
  const step = (
    value: number,
    steps: number[],
    unit: (n: number) => string,
    key: 'everyMinutes' | 'everyHours'
  ): JSX.Element => (
    <>
      <label htmlFor={`${id}-every`}>{trans.__('Every')}</label>
      <select
        id={`${id}-every`}
        className={`${C.every} jp-mod-styled`}
        value={steps.includes(value) ? value : steps[0]}
        onChange={event => set({ [key]: Number(event.target.value) })}
      >
        {steps.map(n => (
          <option key={n} value={n}>
            {unit(n)}
          </option>
        ))}
      </select>
    </>
  );
  const time = (
    <>
      <label htmlFor={`${id}-time`}>{trans.__('At')}</label>
      <input
        id={`${id}-time`}
        className={`${C.time} jp-mod-styled`}
        type="time"
        value={state.time}
        onChange={event => set({ time: event.target.value })}
      />
    </>
  );
  switch (state.kind) {
    case 'minutes':
      return step(
        state.everyMinutes,
        props.minutes,
        n => trans._n('%1 minute', '%1 minutes', n),
        'everyMinutes'
      );
    case 'hourly':
      return (
        <>
          {step(
            state.everyHours,
            props.hours,
            n => trans._n('%1 hour', '%1 hours', n),
            'everyHours'
          )}
          <label htmlFor={`${id}-minute`}>{trans.__('Minutes past')}</label>
          <input
            id={`${id}-minute`}
            className={`${C.minute} jp-mod-styled`}
            type="number"
            min={0}
            max={59}
            value={state.minuteText}
            onChange={event => set({ minuteText: event.target.value })}
          />
        </>
      );
    case 'weekly':
      return (
        <>
          <span id={`${id}-days`}>{trans.__('On')}</span>
          <span className={C.days} role="group" aria-labelledby={`${id}-days`}>
            {WEEK.map(day => (
              <label key={day}>
                <input
                  type="checkbox"
                  value={day}
                  checked={state.days.includes(day)}
                  onChange={event => {
                    const on = event.target.checked;
                    onChange(current => ({
                      ...current,
                      days: on
                        ? [...current.days, day]
                        : current.days.filter((d: WeekDay) => d !== day)
                    }));
                  }}
                />
                {dayName(day, trans)}
              </label>
            ))}
          </span>
          {time}
        </>
      );
    case 'monthly':
      return (
        <>
          <label htmlFor={`${id}-day`}>{trans.__('On day')}</label>
          <span>
            <input
              id={`${id}-day`}
              className={`${C.dayOfMonth} jp-mod-styled`}
              type="number"
              min={1}
              max={31}
              value={state.dayText}
              onChange={event => set({ dayText: event.target.value })}
            />{' '}
            <span className={CSS.RunDialog.help}>
              {trans.__('months without that day are skipped')}
            </span>
          </span>
          {time}
        </>
      );
    case 'cron':
      return (
        <>
          <label htmlFor={`${id}-cron`}>{trans.__('Cron')}</label>
          <input
            id={`${id}-cron`}
            className={`${C.cron} jp-mod-styled`}
            type="text"
            value={state.cron}
            placeholder="cron(0 6 ? * MON-FRI *)"
            title={trans.__(
              'An EventBridge cron expression: minutes hours day-of-month month day-of-week year'
            )}
            onChange={event => set({ cron: event.target.value })}
          />
        </>
      );
    default:
      return time;
  }
}

/** The time zone: typed with suggestions from every zone the browser knows. */
function ZoneField(props: IScheduleEditorProps & { id: string }): JSX.Element {
  const { state, onChange, trans, id } = props;
  const [zones] = React.useState(timeZones);
  return (
    <span>
      <input
        id={id}
        className={`${C.timezone} jp-mod-styled`}
        type="text"
        list={zones.length ? `${id}-list` : undefined}
        value={state.timezone}
        spellCheck={false}
        title={trans.__('An IANA time zone, e.g. Europe/Berlin or UTC')}
        onChange={event =>
          onChange(current => ({ ...current, timezone: event.target.value }))
        }
      />
      {zones.length > 0 && (
        <datalist id={`${id}-list`}>
          {zones.map(zone => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
      )}
    </span>
  );
}

/** Fires a month at most × the most one run can cost. */
function MonthlyCost(props: IScheduleEditorProps): JSX.Element {
  const { state, maxCostPerRun, trans } = props;
  const fires = firesPerMonth(state);
  const text =
    fires === null
      ? trans.__('The server counts the runs a month of this expression.')
      : maxCostPerRun === null
        ? trans._n(
            'At most %1 run a month; choose a machine to see what it can cost.',
            'At most %1 runs a month; choose a machine to see what they can cost.',
            fires
          )
        : trans._n(
            'At most %1 run a month × %2 = %3 a month at most.',
            'At most %1 runs a month × %2 each = %3 a month at most.',
            fires,
            formatCost(maxCostPerRun),
            formatCost(fires * maxCostPerRun)
          );
  return (
    <p className={C.monthlyCost} aria-live="polite">
      {text}{' '}
      <span className={CSS.RunDialog.help}>
        {trans.__(
          'The server checks this against your monthly budget when you create the schedule.'
        )}
      </span>
    </p>
  );
}

function dayName(day: WeekDay, trans: TranslationBundle): string {
  const names: Record<WeekDay, string> = {
    MON: trans.__('Mon'),
    TUE: trans.__('Tue'),
    WED: trans.__('Wed'),
    THU: trans.__('Thu'),
    FRI: trans.__('Fri'),
    SAT: trans.__('Sat'),
    SUN: trans.__('Sun')
  };
  return names[day];
}
