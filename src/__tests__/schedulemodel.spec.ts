/**
 * The schedule editor as data: the recurrence body of each kind, the steps
 * the administrator's minimum interval leaves, the runs a month the cost is
 * shown for, and why a recurrence cannot go.
 */
import { nullTranslator } from '@jupyterlab/translation';

import {
  firesPerMonth,
  formatIn,
  hourSteps,
  initialSchedule,
  IScheduleState,
  minuteSteps,
  recurrenceBody,
  scheduleLimitsOf,
  scheduleProblems,
  scheduledText
} from '../runs/schedulemodel';
import { configWith } from './runsfixtures';
import { makeSchedule } from './schedulefixtures';

const trans = nullTranslator.load('ucdh_jupyter');
const LIMITS = { minInterval: 60, maxPerUser: 10 };
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York'];

function state(change: Partial<IScheduleState>): IScheduleState {
  return {
    ...initialSchedule({ minInterval: 1, maxPerUser: 10 }),
    on: true,
    timezone: 'Europe/Berlin',
    ...change
  };
}

describe('the recurrence a schedule sends', () => {
  it('has only the fields of its kind', () => {
    expect(
      recurrenceBody(state({ kind: 'minutes', everyMinutes: 15 }))
    ).toEqual({ kind: 'minutes', timezone: 'Europe/Berlin', every: 15 });
    expect(
      recurrenceBody(state({ kind: 'hourly', everyHours: 6, minuteText: '5' }))
    ).toEqual({
      kind: 'hourly',
      timezone: 'Europe/Berlin',
      every: 6,
      minute: 5
    });
    expect(recurrenceBody(state({ kind: 'daily', time: '02:30' }))).toEqual({
      kind: 'daily',
      timezone: 'Europe/Berlin',
      time: '02:30'
    });
    // Days in week order, whatever order they were ticked in
    expect(
      recurrenceBody(
        state({ kind: 'weekly', time: '07:00', days: ['FRI', 'MON'] })
      )
    ).toEqual({
      kind: 'weekly',
      timezone: 'Europe/Berlin',
      time: '07:00',
      days: ['MON', 'FRI']
    });
    expect(
      recurrenceBody(
        state({
          kind: 'monthly',
          time: '23:15',
          dayText: '31',
          endDate: '2027-06-30'
        })
      )
    ).toEqual({
      kind: 'monthly',
      timezone: 'Europe/Berlin',
      time: '23:15',
      day_of_month: 31,
      end_date: '2027-06-30'
    });
    expect(
      recurrenceBody(state({ kind: 'cron', cron: ' cron(0 6 ? * MON-FRI *) ' }))
    ).toEqual({
      kind: 'cron',
      timezone: 'Europe/Berlin',
      cron: 'cron(0 6 ? * MON-FRI *)'
    });
  });

  it('starts daily at 08:00 in the browser time zone', () => {
    const first = initialSchedule(LIMITS);
    expect(first.on).toBe(false);
    expect(recurrenceBody(first)).toEqual({
      kind: 'daily',
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      time: '08:00'
    });
  });
});

describe("the administrator's minimum interval", () => {
  it('is read from GET config, the server default before', () => {
    const config = configWith();
    config.runs = { ...config.runs, schedule_min_interval_minutes: 15 };
    expect(scheduleLimitsOf(config).minInterval).toBe(15);
    expect(scheduleLimitsOf(null)).toEqual({ minInterval: 60, maxPerUser: 10 });
  });

  it('leaves only the steps at least that long', () => {
    expect(minuteSteps({ minInterval: 1, maxPerUser: 1 })).toEqual([
      1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30
    ]);
    expect(minuteSteps({ minInterval: 15, maxPerUser: 1 })).toEqual([
      15, 20, 30
    ]);
    // An hour at least: no "every N minutes" at all
    expect(minuteSteps(LIMITS)).toEqual([]);
    expect(hourSteps({ minInterval: 180, maxPerUser: 1 })).toEqual([
      3, 4, 6, 8, 12
    ]);
  });

  it('refuses a weekly or cron schedule whose runs come closer', () => {
    const daily = { minInterval: 2 * 1440, maxPerUser: 10 };
    expect(
      scheduleProblems(
        state({ kind: 'weekly', days: ['MON', 'TUE'] }),
        daily,
        trans,
        ZONES
      )
    ).toEqual([
      'Runs here may start at most every 2880 minutes; this schedule starts some 1440 minutes apart.'
    ]);
    expect(
      scheduleProblems(
        state({ kind: 'weekly', days: ['MON', 'THU'] }),
        daily,
        trans,
        ZONES
      )
    ).toEqual([]);
    expect(
      scheduleProblems(
        state({ kind: 'cron', cron: 'cron(*/15 * * * ? *)' }),
        LIMITS,
        trans,
        ZONES
      )
    ).toEqual([
      'Runs here may start at most every 60 minutes; this schedule starts some 15 minutes apart.'
    ]);
  });
});

describe('the runs a month', () => {
  it('are counted as the server counts them (a 31-day month)', () => {
    expect(firesPerMonth(state({ kind: 'minutes', everyMinutes: 30 }))).toBe(
      1488
    );
    expect(firesPerMonth(state({ kind: 'hourly', everyHours: 6 }))).toBe(124);
    expect(firesPerMonth(state({ kind: 'daily' }))).toBe(31);
    // Five weekdays: 23 in a 31-day month at most
    expect(
      firesPerMonth(
        state({ kind: 'weekly', days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] })
      )
    ).toBe(23);
    expect(firesPerMonth(state({ kind: 'weekly', days: ['SUN'] }))).toBe(5);
    expect(firesPerMonth(state({ kind: 'monthly' }))).toBe(1);
    expect(
      firesPerMonth(state({ kind: 'cron', cron: 'cron(0 6 ? * MON-FRI *)' }))
    ).toBe(23);
    expect(
      firesPerMonth(state({ kind: 'cron', cron: '0/30 8-9 1,15 * ? *' }))
    ).toBe(8);
    expect(
      firesPerMonth(state({ kind: 'cron', cron: 'every day' }))
    ).toBeNull();
  });
});

describe('why a recurrence cannot go', () => {
  const problems = (change: Partial<IScheduleState>): string[] =>
    scheduleProblems(
      state(change),
      { minInterval: 1, maxPerUser: 10 },
      trans,
      ZONES
    );

  it('names the field to fix', () => {
    expect(problems({ kind: 'daily', time: '' })).toEqual([
      'Enter the time of day as HH:MM, e.g. 02:30.'
    ]);
    expect(problems({ kind: 'weekly', days: [] })).toEqual([
      'Choose at least one day of the week.'
    ]);
    expect(problems({ kind: 'monthly', dayText: '32' })).toEqual([
      'Enter the day of the month: 1 to 31.'
    ]);
    expect(problems({ kind: 'hourly', minuteText: '60' })).toEqual([
      'Enter the minute past the hour: 0 to 59.'
    ]);
    expect(problems({ kind: 'cron', cron: 'cron(0 6 * *)' })).toEqual([
      'Enter a cron expression of six fields, e.g. cron(0 6 ? * MON-FRI *).'
    ]);
    expect(problems({ timezone: 'Mars/Olympus' })).toEqual([
      'Choose a time zone from the list, e.g. UTC.'
    ]);
    expect(problems({ kind: 'daily' })).toEqual([]);
  });
});

describe('the words of a schedule', () => {
  it('say when it runs next, in local time and how soon', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(formatIn('2026-12-04T12:30:00Z', now, trans)).toBe('in 30 min');
    expect(formatIn('2026-12-04T15:00:00Z', now, trans)).toBe('in 3 h');
    expect(formatIn('2026-12-07T12:00:00Z', now, trans)).toBe('in 3 days');
    const next = '2026-12-05T01:30:00Z';
    const local = new Date(next);
    const pad = (n: number): string => String(n).padStart(2, '0');
    expect(
      scheduledText(makeSchedule({ id: 's1', next_fires: [next] }), trans)
    ).toBe(
      `Scheduled: Every day at 02:30 (Europe/Berlin) — next run ${local.getFullYear()}-${pad(
        local.getMonth() + 1
      )}-${pad(local.getDate())} ${pad(local.getHours())}:${pad(local.getMinutes())}`
    );
  });
});
