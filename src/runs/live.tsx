/**
 * What a live run's card shows under its facts: how far the notebook got
 * (cell i of N and its last output lines) and what stops the machine even if
 * everything else fails.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IRun } from './api';
import { formatAgo, formatMoment } from '../common/format';
import { CSS } from '../tokens';
import { heartbeatAge, progressFraction } from './model';

const C = CSS.Runs;

/** Output lines shown under the progress bar. */
export const LAST_LINES = 4;

/** Cell i of N and the last lines of output. */
export function Progress(props: {
  run: IRun;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { run, trans } = props;
  const fraction = progressFraction(run);
  const { cell, cells, last_lines: lines } = run.progress;
  if (fraction === null && lines.length === 0) {
    return null;
  }
  // Before papermill starts the first cell the runner reports cell 0, which
  // read as "Cell 0 of 2" while the log already said "Executing Cell 1".
  const label =
    fraction === null
      ? ''
      : cell === 0
        ? trans._n(
            'Starting the kernel; %1 cell to run',
            'Starting the kernel; %1 cells to run',
            cells
          )
        : trans.__('Cell %1 of %2', cell, cells);
  return (
    <div className={CSS.Runs.live}>
      {fraction !== null && (
        <div
          className={C.progress}
          role="progressbar"
          aria-label={trans.__('Cells executed')}
          aria-valuemin={0}
          aria-valuemax={cells}
          aria-valuenow={cell}
          aria-valuetext={label}
        >
          <div
            className={CSS.Runs.progressBar}
            style={{ width: `${Math.round(fraction * 100)}%` }}
          />
          <span className={CSS.Runs.progressText}>{label}</span>
        </div>
      )}
      {lines.length > 0 && (
        <pre className={C.output} aria-label={trans.__('Last output')}>
          {lines.slice(-LAST_LINES).join('\n')}
        </pre>
      )}
    </div>
  );
}

/** What stops the machine even if everything else fails. */
export function Guardrails(props: {
  run: IRun;
  now: number;
  trans: TranslationBundle;
}): JSX.Element {
  const { run, now, trans } = props;
  const parts = [trans.__('Stops by %1', formatMoment(run.deadline, now))];
  const jobCluster =
    run.backend === 'databricks' &&
    (run.cluster_mode ?? 'new_cluster') === 'new_cluster';
  if (run.backend === 'ec2') {
    parts.push(trans.__('terminates on shutdown'));
  } else if (jobCluster) {
    parts.push(trans.__('the job cluster ends with the run'));
  }
  const age = heartbeatAge(run, now);
  parts.push(
    age === null
      ? trans.__('no heartbeat yet')
      : trans.__('heartbeat %1', formatAgo(age, trans))
  );
  return (
    <p
      className={C.guardrails}
      title={
        run.backend === 'ec2'
          ? trans.__(
              'The machine shuts itself down at the deadline, and a shut-down machine is terminated: nothing is left running.'
            )
          : trans.__(
              'The run is stopped at the deadline; a job cluster created for a run is terminated when the run ends.'
            )
      }
    >
      {parts.join(' · ')}
    </p>
  );
}
