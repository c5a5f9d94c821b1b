/**
 * What the run dialog asks the server to price and judge, and what stops a run
 * from being submitted, in words the user can act on. Pure, so tested alone.
 *
 * The budget rule is the server's alone: the dialog shows its verdict and
 * checks here only that the fields read as numbers.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IProblem } from '../api';
import type { Backend, IInstanceType } from '../compute/api';
import type { IConfig } from '../status/api';
import type {
  ClusterMode,
  IRunBackends,
  IRunCost,
  IRunCostQuery,
  IRunFile,
  IRunRequest
} from './api';
import type { HoursParse } from '../compute/model';
import { hasNodes } from './backends';
import type { MaxHoursParse } from './model';

/**
 * What the server should price: the chosen machines, the expected runtime and
 * the max runtime when the researcher typed one (else the server's default);
 * null while a field does not read as a number.
 */
export function costQueryOf(
  backend: Backend,
  mode: ClusterMode,
  type: IInstanceType | null,
  workers: number | null,
  expected: HoursParse,
  max: MaxHoursParse | null
): IRunCostQuery | null {
  if (!expected.ok || (max !== null && !max.ok)) {
    return null;
  }
  const query: IRunCostQuery = {
    backend,
    hours_low: expected.range.low,
    hours_high: expected.range.high,
    max_hours: max?.ok ? max.hours : null
  };
  if (backend === 'ec2') {
    return type ? { ...query, instance_type: type.name } : query;
  }
  query.cluster_mode = mode;
  if (!hasNodes(mode)) {
    return query;
  }
  if (workers === null) {
    return null;
  }
  return type
    ? { ...query, instance_type: type.name, workers }
    : { ...query, workers };
}

/** The body of `POST runs` for the dialog's choice. */
export function runRequest(
  base: Pick<
    IRunRequest,
    'notebook_path' | 'max_hours' | 'parameters' | 'run_id'
  >,
  target: {
    backend: Backend;
    clusterMode: ClusterMode;
    /** Null when the backend has no node type to choose. */
    type: IInstanceType | null;
    /** Databricks job cluster workers; null otherwise. */
    workers: number | null;
    files: readonly IRunFile[];
    checked: ReadonlySet<string>;
  }
): IRunRequest {
  const instance_type = target.type?.name ?? '';
  if (target.backend === 'databricks') {
    // A Databricks run sends the notebook alone.
    return {
      ...base,
      instance_type,
      files: [],
      include_sensitive: false,
      backend: target.backend,
      count: target.workers === null ? 1 : target.workers + 1,
      workers: target.workers ?? 0,
      cluster_mode: target.clusterMode
    };
  }
  const sent = target.files.filter(f => target.checked.has(f.path));
  return {
    ...base,
    instance_type,
    files: sent.map(f => f.path),
    include_sensitive: sent.some(f => f.sensitive),
    backend: target.backend,
    count: 1
  };
}

/** The state of the run dialog that {@link runBlockers} checks. */
export interface IRunChoice {
  backends: IRunBackends;
  backend: Backend;
  /** The chosen backend has a node type to choose (EC2, a Databricks job cluster). */
  withNodes: boolean;
  type: IInstanceType | null;
  /** The workers field reads as a number in range (always true without workers). */
  sized: boolean;
  expected: HoursParse;
  /** The typed max runtime; null when the server's default applies. */
  max: MaxHoursParse | null;
  /** The server answered for the current fields (its verdict is current). */
  checked: boolean;
  /** The server's cost block for the current choice, once it answered. */
  cost: IRunCost | null;
  totalBytes: number;
  maxBytes: number;
  /** Why the admin's settings refuse any run here. */
  refused: string | null;
  /** Why the parameter sweep cannot go as it stands (none without a sweep). */
  sweep?: readonly string[];
}

/**
 * The one blocker that only waits for the server's answer: a submit clicked
 * while it shows is queued until the answer arrives, not dropped.
 */
export function checkingMessage(trans: TranslationBundle): string {
  return trans.__('Checking the cost with the server…');
}

/** Why the run cannot be submitted as it stands; empty when it can. */
export function runBlockers(
  choice: IRunChoice,
  trans: TranslationBundle
): string[] {
  const { backend, type, cost } = choice;
  const blockers: string[] = [];
  if (choice.refused) {
    blockers.push(choice.refused);
  }
  const availability = choice.backends[backend];
  if (!availability.available) {
    blockers.push(
      availability.reason ?? trans.__('No backend can run notebooks here.')
    );
  }
  if (choice.withNodes && !type) {
    blockers.push(
      backend === 'databricks'
        ? trans.__('Choose a node type.')
        : trans.__('Choose a machine type.')
    );
  }
  if (!choice.sized) {
    blockers.push(
      trans.__(
        'Enter the number of workers: a whole number from 0 to %1.',
        choice.backends.databricks.max_workers
      )
    );
  }
  if (!choice.expected.ok) {
    blockers.push(
      trans.__('Enter the expected runtime in hours, e.g. 1 or 1-2.')
    );
  }
  if (choice.max !== null && !choice.max.ok) {
    blockers.push(
      trans.__(
        'Enter the max runtime in hours, e.g. 4, or clear it to take twice the expected runtime.'
      )
    );
  }
  blockers.push(...(choice.sweep ?? []));
  // The server's verdict on this very run (allowed types, runtime, budget,
  // per-user caps), from the checks it makes on submit.
  if (cost && !cost.verdict.ok) {
    blockers.push(cost.verdict.message);
  }
  if (
    blockers.length === 0 &&
    !choice.checked &&
    (!choice.withNodes || type !== null)
  ) {
    blockers.push(checkingMessage(trans));
  }
  if (choice.totalBytes > choice.maxBytes) {
    blockers.push(trans.__('Send fewer files (see above).'));
  }
  return blockers;
}

/** Why no run can be submitted here at all, from the admin's settings. */
export function runsNotice(
  config: IConfig | null,
  trans: TranslationBundle
): IProblem | null {
  if (config?.runs?.enabled === false) {
    return {
      status: 403,
      code: 'runs_disabled',
      message: trans.__('Running notebooks on AWS is turned off here.'),
      hint: trans.__('Ask your administrator if you need it.')
    };
  }
  if (config?.runs?.configured === false) {
    return {
      status: 400,
      code: 'runs_not_configured',
      message: trans.__(
        'No runs bucket is configured, so notebooks cannot be run on AWS yet.'
      ),
      hint: trans.__('Ask your administrator to set `UcdhConfig.runs_bucket`.')
    };
  }
  return null;
}
