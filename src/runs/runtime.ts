/**
 * The run dialog's runtime fields when it opens: the server's reading of the
 * defaults, and the expected runtime to start from. Pure, so tested alone.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { formatNumber } from '../common/format';
import type { IRunPrepare, IRunRuntime } from './api';

/** The server's reading of the runtime fields, or the defaults it would give. */
export function defaultRuntime(prepare: IRunPrepare): IRunRuntime {
  return (
    prepare.runtime ?? {
      hours_low: prepare.default_max_hours / 4,
      hours_high: prepare.default_max_hours / 2,
      max_hours: prepare.default_max_hours,
      max_hours_default: prepare.default_max_hours,
      max_hours_typed: false,
      max_hours_capped: false,
      max_hours_cap: prepare.max_hours_cap,
      min_hours: 0,
      note: ''
    }
  );
}

/**
 * The expected runtime to show first, `0.5-1`. Run again restores the max
 * runtime, not the expected one (runs do not keep it): start from the
 * expected runtime that max is the default of, so the dialog does not open
 * refusing its own figures.
 */
export function initialExpectedText(
  runtime: IRunRuntime,
  rerunMax: number | undefined
): string {
  const { hours_low: low, hours_high: high } =
    rerunMax !== undefined && rerunMax < runtime.hours_high
      ? { hours_low: rerunMax / 4, hours_high: rerunMax / 2 }
      : runtime;
  return low === high
    ? formatNumber(low)
    : `${formatNumber(low)}-${formatNumber(high)}`;
}

/**
 * What happens at the max runtime, next to its field: a sweep's is each
 * run's (each child is stopped on its own), not the whole sweep's.
 */
export function stopsText(
  cap: number,
  onDatabricks: boolean,
  sweep: boolean,
  trans: TranslationBundle
): string {
  const most = formatNumber(cap);
  if (sweep) {
    return trans.__(
      'Each run of the sweep is stopped after this, whatever happens (at most %1 h).',
      most
    );
  }
  return onDatabricks
    ? trans.__(
        'The run is stopped after this, whatever happens (at most %1 h).',
        most
      )
    : trans.__(
        'The machine is terminated after this, whatever happens (at most %1 h).',
        most
      );
}
