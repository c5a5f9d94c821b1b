/**
 * One way of writing times across the UI: a time of day, a date and time in
 * the researcher's time zone, a duration and an age, the same in the run
 * cards, the S3 list and the magics.
 */
import { nullTranslator } from '@jupyterlab/translation';

import {
  formatAgo,
  formatDateTime,
  formatDuration,
  formatMoment,
  formatTime
} from '../common/format';
import { formatModified } from '../s3/model';

/** ISO text (UTC) of a moment given in the local time zone, whatever it is. */
function local(
  year: number,
  month: number,
  day: number,
  hours: number,
  minutes: number,
  seconds = 0
): string {
  return new Date(year, month - 1, day, hours, minutes, seconds).toISOString();
}

describe('time formats', () => {
  it('writes a date and time in the local time zone, to the minute', () => {
    // The server sends UTC; the researcher reads their own clock.
    expect(formatDateTime(local(2026, 12, 4, 15, 30, 59))).toBe(
      '2026-12-04 15:30'
    );
    expect(formatDateTime(local(2026, 1, 2, 3, 4))).toBe('2026-01-02 03:04');
  });

  it('writes a time of day on a 24-hour clock', () => {
    expect(formatTime(local(2026, 12, 4, 17, 7))).toBe('17:07');
    expect(formatTime(Date.parse(local(2026, 12, 4, 8, 0)))).toBe('08:00');
  });

  it('shows the time alone for today and the date too for another day', () => {
    const now = Date.parse(local(2026, 12, 4, 15, 45));
    expect(formatMoment(local(2026, 12, 4, 15, 30), now)).toBe('15:30');
    expect(formatMoment(local(2026, 12, 3, 15, 30), now)).toBe(
      '2026-12-03 15:30'
    );
  });

  it('returns what is no timestamp as given, and nothing for nothing', () => {
    expect(formatDateTime('soon')).toBe('soon');
    expect(formatDateTime(null)).toBe('');
    expect(formatTime(undefined)).toBe('');
  });

  it('says durations as people do', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(125)).toBe('2 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
    expect(formatDuration(-3)).toBe('0 s');
  });

  it('says how long ago, translated when asked', () => {
    const trans = nullTranslator.load('ucdh_jupyter');
    expect(formatAgo(12)).toBe('12 s ago');
    expect(formatAgo(185, trans)).toBe('3 min 05 s ago');
    expect(formatAgo(0.4, trans)).toBe('just now');
  });

  it('dates S3 objects in the same style', () => {
    expect(formatModified(local(2026, 12, 4, 15, 30))).toBe('2026-12-04 15:30');
    expect(formatModified(null)).toBe('');
  });
});
