/**
 * How the UI writes times, sizes and numbers, in one place so every view reads
 * alike: a time of day ("15:30"), a date and time ("2026-12-04 15:30"), both in
 * the browser's time zone, a duration ("2 min 05 s"), an age ("12 s ago"), a
 * size in bytes ("1.5 KiB") and a plain number ("1.75"). The magics print the
 * same style (`ucdh_jupyter/timefmt.py`).
 *
 * Fixed patterns rather than `toLocaleString`: a locale's own format mixes
 * "12/4/2026, 3:30:00 PM" in one view with "15:30" in the next.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

/** A timestamp (ISO text, milliseconds or a Date) as a Date; null when unreadable. */
function toDate(
  moment: string | number | Date | null | undefined
): Date | null {
  if (moment === null || moment === undefined || moment === '') {
    return null;
  }
  const date = moment instanceof Date ? moment : new Date(moment);
  return Number.isNaN(date.getTime()) ? null : date;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The local time of day, "15:30"; an unreadable timestamp is returned as
 * given (empty when missing).
 */
export function formatTime(
  moment: string | number | Date | null | undefined
): string {
  const date = toDate(moment);
  if (!date) {
    return typeof moment === 'string' ? moment : '';
  }
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * The local date and time, "2026-12-04 15:30"; an unreadable timestamp is
 * returned as given (empty when missing).
 */
export function formatDateTime(
  moment: string | number | Date | null | undefined
): string {
  const date = toDate(moment);
  if (!date) {
    return typeof moment === 'string' ? moment : '';
  }
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day} ${formatTime(date)}`;
}

/**
 * The date of a day-stamp, "2026-07-20", as written: a date without a time
 * ("2026-07-20") is a day, not a moment, so no time-zone shift; a timestamp
 * gives its local date. Unreadable text is returned as given.
 */
export function formatDate(
  moment: string | number | Date | null | undefined
): string {
  if (typeof moment === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(moment.trim())) {
    return moment.trim();
  }
  return formatDateTime(moment).split(' ')[0];
}

/**
 * The time of day for a moment of today, the date and time otherwise: what a
 * list of recent things shows.
 *
 * @param now milliseconds since the epoch
 */
export function formatMoment(
  moment: string | number | Date | null | undefined,
  now: number
): string {
  const date = toDate(moment);
  if (!date) {
    return typeof moment === 'string' ? moment : '';
  }
  return new Date(now).toDateString() === date.toDateString()
    ? formatTime(date)
    : formatDateTime(date);
}

/** A duration as people say it: "42 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) {
    return `${hours} h ${pad(minutes)} min`;
  }
  if (minutes > 0) {
    return `${minutes} min ${pad(secs)} s`;
  }
  return `${secs} s`;
}

/**
 * How long ago, "12 s ago", "3 min 05 s ago"; "just now" under a second.
 * The words are translated when `trans` is given.
 */
export function formatAgo(seconds: number, trans?: TranslationBundle): string {
  if (seconds < 1) {
    return trans ? trans.__('just now') : 'just now';
  }
  const duration = formatDuration(seconds);
  return trans ? trans.__('%1 ago', duration) : `${duration} ago`;
}

/** A number without trailing zeros: 0.5, 16, 1.75. */
export function formatNumber(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * A size for people: `0 B`, `999 B`, `1.5 KiB`, `12 MiB`; the one bytes
 * formatter of the UI (S3 listings, uploads, copies, a run's files and logs).
 *
 * Binary (IEC) units, powers of 1024 written KiB/MiB/GiB: the administrator's
 * limits are MiB on the server (`runs_max_files_mb`), so 50 MiB reads "50 MiB"
 * rather than "52.4 MB", and a file reads the same wherever it is shown.
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) {
    return `${bytes} B`;
  }
  const shown = value < 10 ? value.toFixed(1) : String(Math.round(value));
  return `${shown} ${BYTE_UNITS[unit]}`;
}

/** The exact byte count, for a tooltip: `1,536 bytes`. */
export function formatExactBytes(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} ${bytes === 1 ? 'byte' : 'bytes'}`;
}
