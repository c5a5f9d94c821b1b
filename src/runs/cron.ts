/**
 * Just enough of an EventBridge cron expression for the schedule editor to
 * count its runs a month and its shortest gap before it is sent; the server
 * reads and checks the expression (`schedules/cron.py`).
 */

const CRON_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_MONTHS = [
  'JAN',
  'FEB',
  'MAR',
  'APR',
  'MAY',
  'JUN',
  'JUL',
  'AUG',
  'SEP',
  'OCT',
  'NOV',
  'DEC'
];

/** The values of a cron expression's fields that the editor counts. */
export interface ICronFields {
  minutes: number[];
  hours: number[];
  /** Days of the month; null: the weekdays decide. */
  dom: number[] | null;
  /** Weekdays 0-6 from Sunday; null: any. */
  dow: number[] | null;
}

/**
 * The fields of an EventBridge cron expression (minutes hours day-of-month
 * month day-of-week year); null when it does not read. Only the editor's
 * count uses this: the server reads and checks the expression.
 */
export function cronFields(text: string): ICronFields | null {
  const inner = /^\s*cron\((.*)\)\s*$/i.exec(text)?.[1] ?? text;
  const parts = inner.trim().split(/\s+/);
  if (parts.length !== 6) {
    return null;
  }
  const minutes = readField(parts[0], 0, 59);
  const hours = readField(parts[1], 0, 23);
  const dom = readField(parts[2], 1, 31);
  const months = readField(parts[3], 1, 12, CRON_MONTHS);
  const dow = readField(parts[4], 1, 7, CRON_DAYS);
  if (
    !minutes ||
    !hours ||
    dom === undefined ||
    months === undefined ||
    dow === undefined ||
    (dom === null && dow === null)
  ) {
    return null;
  }
  return {
    minutes,
    hours,
    // With weekdays chosen, "*" days of the month do not count.
    dom: dom && dow && parts[2] === '*' ? null : dom,
    dow: dow && dow.map(day => day - 1)
  };
}

/** One field's values; null for "?"; undefined when it does not read. */
function readField(
  text: string,
  low: number,
  high: number,
  names?: string[]
): number[] | null | undefined {
  if (text === '?') {
    return null;
  }
  const values = new Set<number>();
  const value = (word: string): number => {
    const named = names?.indexOf(word.toUpperCase()) ?? -1;
    return named >= 0 ? named + low : Number(word);
  };
  for (const item of text.split(',')) {
    const found = /^(\*|[\w]+)(?:-([\w]+))?(?:\/(\d+))?$/.exec(item);
    if (!found) {
      return undefined;
    }
    const start = found[1] === '*' ? low : value(found[1]);
    const end = found[2]
      ? value(found[2])
      : found[1] === '*' || found[3]
        ? high
        : start;
    const step = found[3] ? Number(found[3]) : 1;
    if (
      ![start, end, step].every(Number.isInteger) ||
      start < low ||
      end > high ||
      step < 1
    ) {
      return undefined;
    }
    for (let n = start; n <= end; n += step) {
      values.add(n);
    }
  }
  return [...values];
}
