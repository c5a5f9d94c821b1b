/**
 * A sweep in the Runs section, pure: its one-line summary and progress from
 * the children's counts, every child by index (those the engine has not
 * reported yet as waiting), the children table's own columns and a child's
 * state badge. No React and no network.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { ChildState, IRun, IRunChild } from './api';
import { BadgeTone, IBadge, isFinal } from './model';
import { keysOf } from './sweepmodel';

/** A sweep's number of children. */
export function sweepSize(run: IRun): number {
  return run.sweep_rows.length || run.children.length;
}

/** "Sweep of 6 · 2 running · 3 done · 1 failed", from the children's counts. */
export function sweepSummary(run: IRun, trans: TranslationBundle): string {
  const counts = run.child_counts;
  const count = (state: string): number => counts[state] ?? 0;
  const parts = [trans.__('Sweep of %1', sweepSize(run))];
  if (!isFinal(run.state) && count('pending') > 0 && count('running') === 0) {
    parts.push(trans.__('%1 waiting', count('pending')));
  }
  if (count('running') > 0) {
    parts.push(trans.__('%1 running', count('running')));
  }
  if (count('succeeded') > 0) {
    parts.push(trans.__('%1 done', count('succeeded')));
  }
  if (count('failed') > 0) {
    parts.push(trans.__('%1 failed', count('failed')));
  }
  if (count('cancelled') > 0) {
    parts.push(trans.__('%1 cancelled', count('cancelled')));
  }
  return parts.join(' · ');
}

/** Children over, of all: the sweep's progress in [0, 1]. */
export function sweepFraction(run: IRun): number {
  const size = sweepSize(run);
  const counts = run.child_counts;
  const over =
    (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0);
  return size === 0 ? 0 : Math.min(1, over / size);
}

/** A child the engine has not reported yet: waiting, nothing known. */
export function waitingChild(index: number): IRunChild {
  return {
    index,
    state: 'PENDING',
    started_at: null,
    ended_at: null,
    exit_value: null,
    scraps: {},
    failure_kind: null,
    failure_message: null,
    output_key: null,
    engine_id: null
  };
}

/** Every child by index, those the engine has not reported yet as waiting. */
export function sweepChildren(run: IRun): IRunChild[] {
  const seen = new Map(run.children.map(child => [child.index, child]));
  return Array.from(
    { length: sweepSize(run) },
    (_, index) => seen.get(index) ?? waitingChild(index)
  );
}

/** The children table's own columns: the parameters swept and the values glued. */
export function sweepColumns(run: IRun): {
  parameters: string[];
  scraps: string[];
} {
  return {
    parameters: keysOf(run.sweep_rows),
    scraps: keysOf(run.children.map(child => child.scraps))
  };
}

/** The badge of a child's state. */
export function childBadge(
  state: ChildState,
  trans: TranslationBundle
): Omit<IBadge, 'description'> {
  const badges: Record<ChildState, [string, BadgeTone]> = {
    PENDING: [trans.__('Waiting'), 'pending'],
    RUNNING: [trans.__('Running'), 'active'],
    SUCCEEDED: [trans.__('Succeeded'), 'success'],
    FAILED: [trans.__('Failed'), 'failure'],
    CANCELLED: [trans.__('Cancelled'), 'muted']
  };
  const [label, tone] = badges[state];
  return { label, tone };
}
