/**
 * Pure logic of the runs views: states and their badges, elapsed time, costs,
 * and the run dialog's form (parameters, files, runtime). No React and no
 * network, so it is tested alone.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { Backend } from '../compute/api';
import type {
  ClusterMode,
  IRun,
  IRunChild,
  IRunFile,
  IRunUsage,
  RunState
} from './api';
import { formatNumber } from '../common/format';
import { formatCost } from '../compute/model';

/** States after which nothing runs and nothing is billed any more. */
export const FINAL_STATES: ReadonlySet<RunState> = new Set<RunState>([
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'EXPIRED'
]);

/** Whether a run is over. */
export function isFinal(state: RunState): boolean {
  return FINAL_STATES.has(state);
}

/** Whether any of `runs` may still change, so the list is worth polling. */
export function anyActive(runs: readonly IRun[]): boolean {
  return runs.some(run => !isFinal(run.state));
}

/** Colour family of a state badge; the CSS keys on it. */
export type BadgeTone = 'pending' | 'active' | 'success' | 'failure' | 'muted';

/** What a state badge shows. */
export interface IBadge {
  label: string;
  tone: BadgeTone;
  /** A sentence for the tooltip: what the state means for the user. */
  description: string;
}

/** The badge of a run state, in words a researcher understands. */
export function stateBadge(state: RunState, trans: TranslationBundle): IBadge {
  const badges: Record<RunState, [string, BadgeTone, string]> = {
    STAGING: [
      trans.__('Staging'),
      'pending',
      trans.__('Uploading the notebook and its files to S3.')
    ],
    SUBMITTED: [
      trans.__('Submitted'),
      'pending',
      trans.__('The machine has been requested.')
    ],
    PROVISIONING: [
      trans.__('Starting'),
      'pending',
      trans.__('The machine is starting and installing the environment.')
    ],
    RUNNING: [
      trans.__('Running'),
      'active',
      trans.__('The notebook is executing.')
    ],
    FINALIZING: [
      trans.__('Saving'),
      'active',
      trans.__('Uploading the executed notebook.')
    ],
    SUCCEEDED: [
      trans.__('Succeeded'),
      'success',
      trans.__('Every cell ran; nothing of it is left running.')
    ],
    FAILED: [
      trans.__('Failed'),
      'failure',
      trans.__('The run stopped on an error; nothing of it is left running.')
    ],
    CANCELLING: [
      trans.__('Cancelling'),
      'pending',
      trans.__('Saving the partial notebook, then terminating the machine.')
    ],
    CANCELLED: [
      trans.__('Cancelled'),
      'muted',
      trans.__('Cancelled; nothing of it is left running.')
    ],
    EXPIRED: [
      trans.__('Expired'),
      'failure',
      trans.__(
        'The run reached its max runtime and its machine was terminated.'
      )
    ]
  };
  const [label, tone, description] = badges[state];
  return { label, tone, description };
}

/** Seconds from an ISO timestamp to another (or to `now`); null when unknown. */
function secondsBetween(
  from: string | null,
  to: string | null,
  now: number
): number | null {
  const start = from ? Date.parse(from) : NaN;
  if (Number.isNaN(start)) {
    return null;
  }
  const parsedEnd = to ? Date.parse(to) : NaN;
  const end = Number.isNaN(parsedEnd) ? now : parsedEnd;
  return Math.max(0, Math.round((end - start) / 1000));
}

/**
 * How long a run's machine has run: from its start (`started_at`) to its end
 * (`ended_at`) once the run is over; while it goes on, to the runner's last
 * heartbeat (the last moment it is known to have been going), or to `now`
 * before the runner's first one. Null before the machine started. The same
 * definition as `%ucdh_runs` and the cost (the seconds that are billed), so a
 * card and the magic show one figure.
 *
 * Not from submission: staging and the launch request are no machine time.
 * Not to the moment the server noticed the end: that comes up to a heartbeat
 * later, and a server that was down records it hours later. Not to `now` once
 * the runner reports: between its end and the server noticing, a live figure
 * counting to `now` ran past the end, and the final one then went back
 * ("10 s" while running, then "6 s").
 *
 * @param now milliseconds since the epoch
 */
export function elapsedSeconds(run: IRun, now: number): number | null {
  const final = isFinal(run.state);
  if (!run.started_at || (final && !run.ended_at)) {
    return null;
  }
  const end = final ? run.ended_at : run.progress.heartbeat_at;
  return secondsBetween(run.started_at, end, now);
}

/**
 * The elapsed time to show: {@link elapsedSeconds}, and while the run goes on
 * never below what was shown before for it (`shown`): the browser's clock
 * before the first heartbeat and the server's after may differ by a second.
 * Once the run is over its recorded machine time is shown as it is, so the
 * card agrees with `%ucdh_runs` and with the cost.
 */
export function shownElapsed(
  run: IRun,
  now: number,
  shown: number | undefined
): number | null {
  const elapsed = elapsedSeconds(run, now);
  if (isFinal(run.state)) {
    return elapsed;
  }
  return elapsed === null ? (shown ?? null) : Math.max(elapsed, shown ?? 0);
}

/** "$0.42", "so far $0.12", or why there is no figure. */
export function formatRunCost(run: IRun, trans: TranslationBundle): string {
  if (isFinal(run.state) && run.cost_final_usd !== null) {
    return formatCost(run.cost_final_usd);
  }
  if (run.rate_usd_per_hour === null) {
    return trans.__('price unknown');
  }
  if (run.cost_so_far_usd === null || !run.started_at) {
    return trans.__('not billed yet');
  }
  return trans.__('so far %1', formatCost(run.cost_so_far_usd));
}

/** The shortest time a machine is billed for (EC2 and Databricks alike), in seconds. */
export const MIN_BILLED_SECONDS = 60;

/**
 * How long a sweep's child has run: from its start to its end, or to `now`
 * while it runs; null before it started (or when it ended unrecorded).
 */
export function childSeconds(child: IRunChild, now: number): number | null {
  const live = child.state === 'RUNNING';
  if (!child.started_at || (!live && !child.ended_at)) {
    return null;
  }
  return secondsBetween(child.started_at, child.ended_at, now);
}

/**
 * What one child of a sweep costs (so far): the run's machines (`count`, each
 * at `rate_usd_per_hour`) for its billed seconds, at least 60 of them, as the
 * server counts it (`sweep.child_cost`). Null when the price is unknown or
 * nothing is billed yet (the child has not started).
 */
export function childCost(
  run: IRun,
  child: IRunChild,
  now: number
): number | null {
  const seconds = childSeconds(child, now);
  if (run.rate_usd_per_hour === null || seconds === null) {
    return null;
  }
  const billed = Math.max(MIN_BILLED_SECONDS, seconds);
  return (run.rate_usd_per_hour * run.count * billed) / 3600;
}

/**
 * "This month: $12.40 of $200" against the monthly budget per user, or just
 * "This month: $12.40" when there is none; the figure is the one the server's
 * cap counts (live runs at their maximum cost).
 */
export function usageText(usage: IRunUsage, trans: TranslationBundle): string {
  const used = formatCost(usage.used_usd);
  const cap = usage.monthly_budget_usd;
  const budget =
    cap === null
      ? null
      : Number.isInteger(cap)
        ? `$${formatNumber(cap)}`
        : formatCost(cap);
  // Runs going count at their maximum: said, or "This month: $0.01" read as
  // a bill next to a run that is "not billed yet".
  if (usage.live_runs > 0 && usage.used_usd > usage.spent_usd) {
    const spent = formatCost(usage.spent_usd);
    return budget === null
      ? trans.__(
          'This month: %1 spent, up to %2 with the runs going',
          spent,
          used
        )
      : trans.__(
          'This month: up to %1 of %2 with the runs going (%3 spent)',
          used,
          budget,
          spent
        );
  }
  return budget === null
    ? trans.__('This month: %1', used)
    : trans.__('This month: %1 of %2', used, budget);
}

/** Cell i of N as a fraction in [0, 1]; null before the runner reported. */
export function progressFraction(run: IRun): number | null {
  const { cell, cells } = run.progress;
  if (!cells || cells <= 0) {
    return null;
  }
  return Math.min(1, Math.max(0, cell / cells));
}

/** "12 s ago" for a heartbeat; null when there was none. */
export function heartbeatAge(run: IRun, now: number): number | null {
  return secondsBetween(run.progress.heartbeat_at, null, now);
}

/** The notebook's file name, without its folder. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Why the run failed, in one sentence; null when it did not. */
export function failureText(
  run: IRun,
  trans: TranslationBundle
): string | null {
  if (run.state !== 'FAILED' && !run.failure_message) {
    return null;
  }
  const kinds: Record<string, string> = {
    notebook_error: trans.__('A cell raised an error'),
    kernel_died: trans.__('The kernel died (out of memory?)'),
    timeout: trans.__('The run reached its max runtime'),
    infrastructure: trans.__('The machine could not run the notebook'),
    staging: trans.__('The notebook could not be sent to S3')
  };
  const parts: string[] = [];
  if (run.failure_kind) {
    parts.push(kinds[run.failure_kind] ?? run.failure_kind);
  }
  if (run.failing_cell !== null) {
    parts.push(trans.__('cell %1', run.failing_cell));
  }
  const head = parts.join(', ');
  const message = run.failure_message ?? '';
  return head && message ? `${head}: ${message}` : head || message || null;
}

// -- the run dialog's form ----------------------------------------------------

/** Settings of an earlier run, to run again. */
export interface IRerun {
  backend?: Backend;
  instance_type?: string;
  max_hours?: number;
  parameters?: Record<string, unknown>;
  files?: string[];
  /** Databricks workers (the driver not included). */
  workers?: number | null;
  cluster_mode?: ClusterMode | null;
  /** A sweep's parameter sets, and most at once: the dialog reopens its table. */
  sweep_rows?: Record<string, unknown>[];
  parallelism?: number | null;
}

/**
 * Whether a file is offered checked: not when it looks like a secret, nor when
 * it is a result of an earlier run (an output, not an input). The server flags
 * both: it names the results, so it alone knows their names.
 */
export function checkedByDefault(file: IRunFile): boolean {
  return !file.sensitive && !file.previous_result;
}

/** Total size of the checked files. */
export function selectedBytes(
  files: readonly IRunFile[],
  checked: ReadonlySet<string>
): number {
  return files.reduce(
    (sum, file) => (checked.has(file.path) ? sum + file.size : sum),
    0
  );
}

/** A parameter default as the user edits it: JSON, Python's spellings aside. */
export function parameterText(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value === null || value === undefined) {
    return '';
  }
  return JSON.stringify(value);
}

const PYTHON_LITERALS: Record<string, unknown> = {
  True: true,
  False: false,
  None: null
};

/**
 * The value a user typed for a parameter.
 *
 * A parameter whose default is a string stays a string whatever is typed
 * (`007` is an id, not the number 7); otherwise JSON (numbers, lists, quoted
 * strings) and Python's `True`/`False`/`None` are read as such, and anything
 * else is a string.
 */
export function parseParameter(text: string, defaultValue: unknown): unknown {
  if (typeof defaultValue === 'string') {
    return text;
  }
  const trimmed = text.trim();
  if (trimmed in PYTHON_LITERALS) {
    return PYTHON_LITERALS[trimmed];
  }
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

/**
 * The parameters to send: only those whose value differs from the notebook's
 * default, so untouched defaults (even non-literal ones) stay as written.
 */
export function changedParameters(
  defaults: Record<string, unknown>,
  texts: Record<string, string>
): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(texts)) {
    if (!(name in defaults) || text === parameterText(defaults[name])) {
      continue;
    }
    const value = parseParameter(text, defaults[name]);
    if (JSON.stringify(value) !== JSON.stringify(defaults[name])) {
      changed[name] = value;
    }
  }
  return changed;
}

/** Max runtime as typed, or why it cannot be used. */
export type MaxHoursParse =
  | { ok: true; hours: number }
  | { ok: false; error: 'empty' | 'format' | 'zero' | 'cap' };

/** Read the max runtime field: a positive number of hours, at most `cap`. */
export function parseMaxHours(text: string, cap: number): MaxHoursParse {
  const trimmed = text.trim().replace(/\s*(h|hrs?|hours?)$/i, '');
  if (!trimmed) {
    return { ok: false, error: 'empty' };
  }
  const hours = Number(trimmed);
  if (!Number.isFinite(hours)) {
    return { ok: false, error: 'format' };
  }
  if (hours <= 0) {
    return { ok: false, error: 'zero' };
  }
  if (hours > cap) {
    return { ok: false, error: 'cap' };
  }
  return { ok: true, hours };
}

/**
 * The most a run can cost: every machine billed until the deadline, when it
 * is terminated whatever happens. Null when the price is unknown.
 */
export function maxCost(
  ratePerHour: number | null,
  hours: number,
  count = 1
): number | null {
  if (ratePerHour === null || !Number.isFinite(ratePerHour)) {
    return null;
  }
  return ratePerHour * hours * count;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A run id like the server's `new_run_id`: a ULID, 10 characters of
 * milliseconds then 16 of randomness, Crockford base32.
 */
export function newRunId(now: number = Date.now()): string {
  let time = '';
  let rest = Math.floor(now);
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  const random = new Uint8Array(16);
  if (globalThis.crypto?.getRandomValues) {
    globalThis.crypto.getRandomValues(random);
  } else {
    random.forEach((_, i) => (random[i] = Math.floor(Math.random() * 256)));
  }
  return time + Array.from(random, byte => CROCKFORD[byte % 32]).join('');
}
