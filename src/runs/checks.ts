/**
 * What the run dialog asks the server to price, and what stops a run from
 * being submitted, in words the user can act on. Pure, so tested alone.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type {
  Backend,
  ClusterMode,
  IConfig,
  IInstanceType,
  IProblem,
  IRunBackends,
  IRunCost,
  IRunCostQuery,
  IRunFile,
  IRunRequest
} from '../api';
import { formatCost, formatNumber } from '../compute/model';
import { hasNodes } from './backends';
import type { MaxHoursParse } from './model';

/** What the server should price: the chosen machines for the max runtime; null while incomplete. */
export function costQueryOf(
  backend: Backend,
  mode: ClusterMode,
  type: IInstanceType | null,
  workers: number | null,
  hours: number | null
): IRunCostQuery | null {
  if (hours === null) {
    return null;
  }
  if (backend === 'ec2') {
    return type
      ? { instance_type: type.name, backend, max_hours: hours }
      : null;
  }
  if (!hasNodes(mode)) {
    return { backend, cluster_mode: mode, max_hours: hours };
  }
  return type && workers !== null
    ? {
        instance_type: type.name,
        backend,
        cluster_mode: mode,
        workers,
        max_hours: hours
      }
    : null;
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
  hours: MaxHoursParse;
  cap: number;
  /** The server's cost block for the current choice, once it answered. */
  cost: IRunCost | null;
  rate: number | null;
  most: number | null;
  budget: number | null;
  totalBytes: number;
  maxBytes: number;
  /** Why the admin's settings refuse any run here. */
  refused: string | null;
}

/** Why the run cannot be submitted as it stands; empty when it can. */
export function runBlockers(
  choice: IRunChoice,
  trans: TranslationBundle
): string[] {
  const { backend, type, hours, cost, most, budget } = choice;
  const onDatabricks = backend === 'databricks';
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
  if (cost && !cost.allowed) {
    blockers.push(
      cost.instance_type
        ? trans.__(
            'Your administrator does not allow %1: %2',
            cost.instance_type,
            cost.reason ?? ''
          )
        : trans.__(
            'Your administrator does not allow this run: %1',
            cost.reason ?? ''
          )
    );
  }
  if (choice.withNodes && !type) {
    blockers.push(
      onDatabricks
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
  if (!hours.ok) {
    blockers.push(
      hours.error === 'cap'
        ? trans.__(
            'The max runtime is at most %1 hours here.',
            formatNumber(choice.cap)
          )
        : trans.__('Enter the max runtime in hours, e.g. 2.')
    );
  }
  // The server's verdict on this very run (runtime limits, budget, per-user
  // caps), as it will check it on submit; older servers send none.
  const judged = cost !== null && cost.refusal !== undefined;
  if (cost?.refusal) {
    blockers.push(cost.refusal.message);
  }
  if (!judged && budget !== null && most !== null && most > budget) {
    blockers.push(
      onDatabricks
        ? trans.__(
            'The maximum cost %1 is above the %2 budget per run: choose a smaller node type, fewer workers or a shorter max runtime.',
            formatCost(most),
            formatCost(budget)
          )
        : trans.__(
            'The maximum cost %1 is above the %2 budget per run: choose a smaller machine or a shorter max runtime.',
            formatCost(most),
            formatCost(budget)
          )
    );
  }
  if (
    !judged &&
    budget !== null &&
    choice.withNodes &&
    type &&
    choice.rate === null
  ) {
    blockers.push(
      trans.__(
        'The price of %1 is unknown, so the budget cannot be checked.',
        type.name
      )
    );
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
