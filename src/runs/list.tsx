/**
 * Stateless rendering of the run list: one card per run with its state,
 * machine, time, cost, live progress, guardrails and actions.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IProblem } from '../api';
import type { IRun } from './api';
import { formatRate } from '../compute/model';
import { ProblemView } from '../common/problemview';
import { formatDateTime, formatDuration, formatMoment } from '../common/format';
import { RefreshButton } from '../common/refreshbutton';
import { CSS } from '../tokens';
import { machineText } from './backends';
import {
  baseName,
  elapsedSeconds,
  failureText,
  formatRunCost,
  isFinal,
  stateBadge
} from './model';
import type { IRunsSnapshot } from './poller';
import { SweepChildren, SweepProgress } from './children';
import { Guardrails, Progress } from './live';
import { sweepSize } from './sweepchildren';

const C = CSS.Runs;

/**
 * What a user can do to a run; a sweep's `child` opens one child's notebook,
 * `export` writes the children's CSV.
 */
export type RunAction =
  'cancel' | 'open' | 'html' | 'log' | 'rerun' | 'child' | 'export';

/** Props of {@link RunsView}. */
export interface IRunsViewProps {
  snapshot: IRunsSnapshot;
  /** Milliseconds since the epoch, for elapsed times. */
  now: number;
  /** Actions in flight, by run id. */
  pending: Readonly<Record<string, RunAction | undefined>>;
  /** The last failed action, by run id. */
  problems: Readonly<Record<string, IProblem | undefined>>;
  /** HTML views exported with a run's output (Databricks), by run id. */
  htmlPaths?: Readonly<Record<string, string | undefined>>;
  /** `index`: the sweep's child, for `child`. */
  onAction: (action: RunAction, run: IRun, index?: number) => void;
  onRefresh: () => void;
  trans: TranslationBundle;
}

/** The Runs section's content. */
export function RunsView(props: IRunsViewProps): JSX.Element {
  const { snapshot, trans, onRefresh } = props;
  const { runs, error, busy } = snapshot;
  return (
    <div className={C.root} aria-busy={busy}>
      <div className={CSS.Runs.bar}>
        <span className={C.status} aria-live="polite">
          {runs === null
            ? error
              ? ''
              : trans.__('Loading runs…')
            : trans._n('%1 run', '%1 runs', runs.length)}
        </span>
        <RefreshButton
          className={C.refresh}
          label={trans.__('Refresh runs')}
          onClick={onRefresh}
        />
      </div>
      {error && (
        <ProblemView
          problem={error}
          busy={busy}
          onRetry={onRefresh}
          trans={trans}
        />
      )}
      {runs !== null && runs.length === 0 && (
        <p className={C.empty}>
          {trans.__(
            'No runs yet. Open a notebook and click Run on AWS in its toolbar: it runs on a machine that exists only while the notebook runs.'
          )}
        </p>
      )}
      {runs !== null && runs.length > 0 && (
        <ul className={CSS.Runs.list}>
          {runs.map(run => (
            <RunItem key={run.id} run={run} {...props} />
          ))}
        </ul>
      )}
    </div>
  );
}

/** One run. */
function RunItem(props: IRunsViewProps & { run: IRun }): JSX.Element {
  const { run, now, trans, onAction } = props;
  const badge = stateBadge(run.state, trans);
  const pending = props.pending[run.id];
  const problem = props.problems[run.id];
  const final = isFinal(run.state);
  const elapsed = props.snapshot.elapsed?.[run.id] ?? elapsedSeconds(run, now);
  const failure = failureText(run, trans);
  const onDatabricks = run.backend === 'databricks';
  const sweep = run.kind === 'sweep';
  // A Databricks run's results come back when it ends; an EC2 run saves its
  // partial notebook at every heartbeat. A sweep's are its children's.
  const hasOutput =
    !sweep &&
    (final ||
      (!onDatabricks &&
        (run.state === 'RUNNING' || run.state === 'FINALIZING')));
  const name = baseName(run.notebook_path);
  const htmlPath = props.htmlPaths?.[run.id];
  return (
    <li
      className={C.item}
      data-run-id={run.id}
      data-state={run.state}
      aria-label={trans.__('Run of %1: %2', name, badge.label)}
    >
      <div className={CSS.Runs.head}>
        <span
          className={C.state}
          data-tone={badge.tone}
          title={badge.description}
        >
          {badge.label}
        </span>
        <span className={CSS.Runs.name} title={run.notebook_path}>
          {name}
        </span>
        {run.backend !== 'ec2' && (
          <span
            className={CSS.Runs.backend}
            title={
              run.databricks_host
                ? trans.__(
                    'Runs in the Databricks workspace %1',
                    run.databricks_host
                  )
                : undefined
            }
          >
            {onDatabricks ? trans.__('Databricks') : trans.__('AWS Batch')}
          </span>
        )}
      </div>
      <div className={CSS.Runs.facts}>
        <span
          className={CSS.Runs.type}
          title={
            onDatabricks
              ? trans._n('%1 machine billed', '%1 machines billed', run.count)
              : undefined
          }
        >
          {machineText(run, trans)}
        </span>
        <Started run={run} now={now} trans={trans} />
        {elapsed !== null && (
          <span
            className={C.elapsed}
            title={
              final
                ? trans.__(
                    "Machine time: from the machine's start to the run's end"
                  )
                : trans.__('Machine time so far, since the machine started')
            }
          >
            {formatDuration(elapsed)}
          </span>
        )}
        <span
          className={C.cost}
          title={
            run.rate_usd_per_hour === null
              ? undefined
              : run.count > 1
                ? // The rate is one machine's; a cluster bills every node.
                  trans.__(
                    'Billed per second at %1/h: %2 machines at %3/h each',
                    formatRate(run.rate_usd_per_hour * run.count),
                    run.count,
                    formatRate(run.rate_usd_per_hour)
                  )
                : trans.__(
                    'Billed per second at %1/h',
                    formatRate(run.rate_usd_per_hour)
                  )
          }
        >
          {formatRunCost(run, trans)}
        </span>
      </div>
      {sweep ? (
        <SweepProgress run={run} trans={trans} />
      ) : (
        !final && <Progress run={run} trans={trans} />
      )}
      {failure && <p className={C.failure}>{failure}</p>}
      {final && run.exit_value && (
        <p
          className={CSS.Runs.exit}
          title={trans.__('What the notebook handed back when it ended')}
        >
          {trans.__('Result: %1', run.exit_value)}
        </p>
      )}
      {!final && <Guardrails run={run} now={now} trans={trans} />}
      {sweep && (
        <SweepChildren
          run={run}
          now={now}
          busy={pending === 'child' || pending === 'export'}
          onOpenChild={index => onAction('child', run, index)}
          onExport={() => onAction('export', run)}
          trans={trans}
        />
      )}
      <div className={CSS.Runs.actions}>
        {!final && (
          <button
            type="button"
            className={`${C.cancel} jp-Button jp-mod-styled jp-mod-warn`}
            disabled={run.state === 'CANCELLING' || pending === 'cancel'}
            onClick={() => onAction('cancel', run)}
          >
            {run.state === 'CANCELLING'
              ? trans.__('Cancelling…')
              : sweep
                ? trans.__('Cancel all %1 runs', sweepSize(run))
                : trans.__('Cancel')}
          </button>
        )}
        {hasOutput && (
          <button
            type="button"
            className={`${C.open} jp-Button jp-mod-styled`}
            disabled={pending === 'open'}
            title={trans.__(
              'Copy the executed notebook next to the original and open it'
            )}
            onClick={() => onAction('open', run)}
          >
            {final ? trans.__('Open result') : trans.__('Open partial')}
          </button>
        )}
        {htmlPath && (
          <button
            type="button"
            className={`${CSS.Runs.html} jp-Button jp-mod-styled`}
            title={trans.__(
              'Open %1, the run as Databricks shows it, in the HTML viewer',
              htmlPath
            )}
            onClick={() => onAction('html', run)}
          >
            {trans.__('Open HTML view')}
          </button>
        )}
        {!sweep && (
          <button
            type="button"
            className={`${C.log} jp-Button jp-mod-styled`}
            disabled={pending === 'log'}
            onClick={() => onAction('log', run)}
          >
            {trans.__('Log')}
          </button>
        )}
        <button
          type="button"
          className={`${C.rerun} jp-Button jp-mod-styled`}
          title={trans.__('Open the run dialog with the same settings')}
          onClick={() => onAction('rerun', run)}
        >
          {trans.__('Run again')}
        </button>
        {onDatabricks && run.databricks_run_url && (
          <a
            className={CSS.Runs.databricks}
            href={run.databricks_run_url}
            target="_blank"
            rel="noopener noreferrer"
            title={trans.__('The run in the Databricks workspace (new tab)')}
          >
            {trans.__('Open in Databricks')}
          </a>
        )}
      </div>
      {problem && <ProblemView problem={problem} busy={false} trans={trans} />}
    </li>
  );
}

/**
 * When the run was submitted, in the researcher's time zone: the clock time
 * today, the date and time before (the copied results carry the same moment
 * in UTC in their names).
 */
function Started(props: {
  run: IRun;
  now: number;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { run, now, trans } = props;
  const moment = new Date(run.created_at);
  if (Number.isNaN(moment.getTime())) {
    return null;
  }
  return (
    <time
      className={CSS.Runs.started}
      dateTime={run.created_at}
      title={trans.__('Submitted %1', formatDateTime(moment))}
    >
      {formatMoment(run.created_at, now)}
    </time>
  );
}
