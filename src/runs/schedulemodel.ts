/**
 * The run dialog's schedule editor as data: what the researcher picked, the
 * `recurrence` body it sends, why it cannot go, and how many times a month it
 * fires at most (for the cost shown before creating; the server computes the
 * same figure and checks it against the monthly budget). Pure, so tested alone.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { formatDateTime } from '../common/format';
import { cronFields } from './cron';
import type { IConfig } from '../status/api';
import type {
  IRecurrenceBody,
  ISchedule,
  RecurrenceKind,
  WeekDay
} from './scheduleapi';

/** Steps of "every N minutes": they divide an hour (the server's MINUTE_STEPS). */
export const MINUTE_STEPS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];

/** Steps of "every N hours": they divide a day (the server's HOUR_STEPS). */
export const HOUR_STEPS = [1, 2, 3, 4, 6, 8, 12];

/** Monday first, as the dialog shows them. */
export const WEEK: readonly WeekDay[] = [
  'MON',
  'TUE',
  'WED',
  'THU',
  'FRI',
  'SAT',
  'SUN'
];

/** What the editor holds, as typed. */
export interface IScheduleState {
  on: boolean;
  kind: RecurrenceKind;
  everyMinutes: number;
  everyHours: number;
  /** hourly: the minute past the hour. */
  minuteText: string;
  /** daily, weekly, monthly: HH:MM. */
  time: string;
  days: WeekDay[];
  dayText: string;
  cron: string;
  timezone: string;
  /** YYYY-MM-DD, or empty. */
  endDate: string;
}

/** The administrator's schedule settings (`GET config`). */
export interface IScheduleLimits {
  /** Shortest gap between two runs, in minutes. */
  minInterval: number;
  /** Most schedules per user; 0: schedules are off. */
  maxPerUser: number;
}

/** The limits of `GET config`; the server's defaults before it answers. */
export function scheduleLimitsOf(config: IConfig | null): IScheduleLimits {
  return {
    minInterval: config?.runs?.schedule_min_interval_minutes ?? 60,
    maxPerUser: config?.runs?.schedule_max_per_user ?? 10
  };
}

/** The browser's time zone, UTC when it cannot say. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The IANA zones the browser knows (with UTC); empty when it cannot list them. */
export function timeZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  try {
    const zones = intl.supportedValuesOf?.('timeZone') ?? [];
    return zones.length && !zones.includes('UTC') ? ['UTC', ...zones] : zones;
  } catch {
    return [];
  }
}

/** The "every N minutes" steps the administrator allows. */
export function minuteSteps(limits: IScheduleLimits): number[] {
  return MINUTE_STEPS.filter(step => step >= limits.minInterval);
}

/** The "every N hours" steps the administrator allows. */
export function hourSteps(limits: IScheduleLimits): number[] {
  return HOUR_STEPS.filter(step => step * 60 >= limits.minInterval);
}

/** The editor when the dialog opens: off, daily at 08:00 in the browser's zone. */
export function initialSchedule(limits: IScheduleLimits): IScheduleState {
  return {
    on: false,
    kind: 'daily',
    everyMinutes: minuteSteps(limits)[0] ?? 30,
    everyHours: hourSteps(limits)[0] ?? 1,
    minuteText: '0',
    time: '08:00',
    days: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    dayText: '1',
    cron: '',
    timezone: browserTimeZone(),
    endDate: ''
  };
}

/** The `recurrence` of `POST schedules`: only the fields of its kind. */
export function recurrenceBody(state: IScheduleState): IRecurrenceBody {
  const body: IRecurrenceBody = { kind: state.kind, timezone: state.timezone };
  switch (state.kind) {
    case 'minutes':
      body.every = state.everyMinutes;
      break;
    case 'hourly':
      body.every = state.everyHours;
      body.minute = Number(state.minuteText.trim());
      break;
    case 'weekly':
      body.time = state.time;
      body.days = WEEK.filter(day => state.days.includes(day));
      break;
    case 'monthly':
      body.time = state.time;
      body.day_of_month = Number(state.dayText.trim());
      break;
    case 'cron':
      body.cron = state.cron.trim();
      break;
    default:
      body.time = state.time;
  }
  if (state.endDate) {
    body.end_date = state.endDate;
  }
  return body;
}

/** Why the recurrence cannot be sent as it stands; empty when it can. */
export function scheduleProblems(
  state: IScheduleState,
  limits: IScheduleLimits,
  trans: TranslationBundle,
  zones: readonly string[] = timeZones()
): string[] {
  const problems: string[] = [];
  const { kind } = state;
  if (['daily', 'weekly', 'monthly'].includes(kind) && !readTime(state.time)) {
    problems.push(trans.__('Enter the time of day as HH:MM, e.g. 02:30.'));
  }
  if (kind === 'hourly' && !wholeIn(state.minuteText, 0, 59)) {
    problems.push(trans.__('Enter the minute past the hour: 0 to 59.'));
  }
  if (kind === 'weekly' && state.days.length === 0) {
    problems.push(trans.__('Choose at least one day of the week.'));
  }
  if (kind === 'monthly' && !wholeIn(state.dayText, 1, 31)) {
    problems.push(trans.__('Enter the day of the month: 1 to 31.'));
  }
  if (kind === 'cron' && cronFields(state.cron) === null) {
    problems.push(
      trans.__(
        'Enter a cron expression of six fields, e.g. cron(0 6 ? * MON-FRI *).'
      )
    );
  }
  const gap = shortestGap(state);
  if (gap !== null && gap < limits.minInterval) {
    problems.push(
      trans.__(
        'Runs here may start at most every %1 minutes; this schedule starts some %2 minutes apart.',
        limits.minInterval,
        gap
      )
    );
  }
  if (!state.timezone || (zones.length && !zones.includes(state.timezone))) {
    problems.push(trans.__('Choose a time zone from the list, e.g. UTC.'));
  }
  if (state.endDate && !/^\d{4}-\d{2}-\d{2}$/.test(state.endDate)) {
    problems.push(trans.__('Enter the end date as YYYY-MM-DD, or clear it.'));
  }
  return problems;
}

/**
 * At most how many times it fires in a month (31 days, the most favourable
 * weekdays), as the server counts it; null for a cron expression it cannot read.
 */
export function firesPerMonth(state: IScheduleState): number | null {
  switch (state.kind) {
    case 'minutes':
      return (60 / state.everyMinutes) * 24 * 31;
    case 'hourly':
      return (24 / state.everyHours) * 31;
    case 'daily':
      return 31;
    case 'weekly':
      return weekdayDays(new Set(state.days.map(d => WEEK.indexOf(d))));
    case 'monthly':
      return 1;
    default: {
      const fields = cronFields(state.cron);
      if (!fields) {
        return null;
      }
      const perDay = fields.minutes.length * fields.hours.length;
      const days =
        fields.dom !== null
          ? fields.dom.length
          : weekdayDays(new Set(fields.dow ?? []));
      return perDay * days;
    }
  }
}

/** The shortest gap between two fires in minutes, where the editor can tell. */
export function shortestGap(state: IScheduleState): number | null {
  switch (state.kind) {
    case 'minutes':
      return state.everyMinutes;
    case 'hourly':
      return state.everyHours * 60;
    case 'daily':
      return 1440;
    case 'weekly': {
      const days = WEEK.map((d, i) => (state.days.includes(d) ? i : -1))
        .filter(i => i >= 0)
        .sort((a, b) => a - b);
      if (days.length === 0) {
        return null;
      }
      const gaps = days.map(
        (d, i) => ((days[(i + 1) % days.length] - d + 6) % 7) + 1
      );
      return Math.min(...gaps) * 1440;
    }
    case 'cron': {
      const fields = cronFields(state.cron);
      if (!fields) {
        return null;
      }
      const times: number[] = [];
      for (const hour of fields.hours) {
        times.push(...fields.minutes.map(minute => hour * 60 + minute));
      }
      times.sort((a, b) => a - b);
      const gaps = times.slice(1).map((time, i) => time - times[i]);
      return gaps.length ? Math.min(...gaps) : null;
    }
    default:
      return null;
  }
}

/** "Scheduled: Every day at 02:30 (Europe/Berlin) — next run 2026-12-05 02:30". */
export function scheduledText(
  schedule: ISchedule,
  trans: TranslationBundle
): string {
  const next = schedule.next_fires[0];
  return next
    ? trans.__(
        'Scheduled: %1 — next run %2',
        schedule.description,
        formatDateTime(next)
      )
    : trans.__('Scheduled: %1', schedule.description);
}

/** "in 45 min", "in 3 h", "in 2 days": how soon a moment comes. */
export function formatIn(
  moment: string,
  now: number,
  trans: TranslationBundle
): string {
  const minutes = Math.round((new Date(moment).getTime() - now) / 60000);
  if (Number.isNaN(minutes)) {
    return '';
  }
  if (minutes < 1) {
    return trans.__('in less than a minute');
  }
  if (minutes < 60) {
    return trans.__('in %1 min', minutes);
  }
  const hours = Math.round(minutes / 60);
  return hours < 48
    ? trans.__('in %1 h', hours)
    : trans.__('in %1 days', Math.round(hours / 24));
}

/** Days a 31-day month has on the given weekdays (0 = one weekday), at most. */
function weekdayDays(weekdays: ReadonlySet<number>): number {
  let most = 0;
  for (let first = 0; first < 7; first++) {
    let count = 0;
    for (let d = 0; d < 31; d++) {
      count += weekdays.has((first + d) % 7) ? 1 : 0;
    }
    most = Math.max(most, count);
  }
  return most;
}

function readTime(text: string): boolean {
  const found = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  return !!found && Number(found[1]) <= 23 && Number(found[2]) <= 59;
}

function wholeIn(text: string, low: number, high: number): boolean {
  const value = Number(text.trim());
  return (
    text.trim() !== '' &&
    Number.isInteger(value) &&
    value >= low &&
    value <= high
  );
}
