/**
 * Pure logic of the run backends: which ones this server offers (older
 * servers say nothing and offer EC2 only), Databricks compute kinds and
 * workers, and how a run's machines read. No React and no network.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { Backend } from '../compute/api';
import type { IConfig } from '../status/api';
import type { ClusterMode, IRun, IRunBackends } from './api';

const CLUSTER_MODES: readonly ClusterMode[] = [
  'new_cluster',
  'serverless',
  'existing_cluster'
];

/**
 * The backends of `GET config`, or what a failed config request means: EC2
 * only, with Databricks offered disabled and why.
 */
export function runBackends(
  config: IConfig | null,
  trans: TranslationBundle
): IRunBackends {
  const known = config?.runs.backends;
  if (known) {
    return known;
  }
  return {
    ec2: { available: true, reason: null, hint: null },
    databricks: {
      available: false,
      reason: trans.__('This server does not offer Databricks runs.'),
      hint: null,
      host: null,
      cluster_modes: ['new_cluster'],
      default_cluster_mode: 'new_cluster',
      default_workers: 2,
      max_workers: 0
    }
  };
}

/** The backend to start with: the preferred one when it is available, else the first that is. */
export function initialBackend(
  backends: IRunBackends,
  preferred: Backend | undefined
): Backend {
  if (preferred && backends[preferred].available) {
    return preferred;
  }
  if (!backends.ec2.available && backends.databricks.available) {
    return 'databricks';
  }
  return 'ec2';
}

/** The compute kinds the admin allows, in a stable order; a job cluster when the list is empty. */
export function allowedClusterModes(backends: IRunBackends): ClusterMode[] {
  const allowed = backends.databricks.cluster_modes ?? [];
  const modes = CLUSTER_MODES.filter(mode => allowed.includes(mode));
  return modes.length > 0 ? modes : ['new_cluster'];
}

/** The compute kind to start with: the preferred one when allowed, else the admin's default. */
export function initialClusterMode(
  backends: IRunBackends,
  preferred: ClusterMode | null | undefined
): ClusterMode {
  const modes = allowedClusterModes(backends);
  if (preferred && modes.includes(preferred)) {
    return preferred;
  }
  const fallback = backends.databricks.default_cluster_mode as ClusterMode;
  return modes.includes(fallback) ? fallback : modes[0];
}

/** Whether runs in this mode have a node type and workers to choose (and to price). */
export function hasNodes(mode: ClusterMode): boolean {
  return mode === 'new_cluster';
}

/** The name of a compute kind in the dialog and the Runs list. */
export function clusterModeLabel(
  mode: ClusterMode,
  trans: TranslationBundle
): string {
  switch (mode) {
    case 'serverless':
      return trans.__('Serverless compute');
    case 'existing_cluster':
      return trans.__('The cluster your administrator set');
    default:
      return trans.__('A job cluster created for this run');
  }
}

/** Workers as typed, or why they cannot be used. */
export type WorkersParse =
  { ok: true; workers: number } | { ok: false; error: 'format' | 'range' };

/** Read the workers field: a whole number from 0 (the driver alone) to `max`. */
export function parseWorkers(text: string, max: number): WorkersParse {
  const trimmed = text.trim();
  const workers = Number(trimmed);
  if (!trimmed || !Number.isInteger(workers)) {
    return { ok: false, error: 'format' };
  }
  if (workers < 0 || workers > max) {
    return { ok: false, error: 'range' };
  }
  return { ok: true, workers };
}

/**
 * A run's machines in a few words: the EC2 type, "m5.large × 3 (2 workers +
 * driver)" for a job cluster, or the Databricks compute kind.
 */
export function machineText(run: IRun, trans: TranslationBundle): string {
  if (run.backend !== 'databricks') {
    return run.instance_type;
  }
  const mode = run.cluster_mode ?? 'new_cluster';
  if (!hasNodes(mode)) {
    return clusterModeLabel(mode, trans);
  }
  const workers = run.workers ?? Math.max(0, run.count - 1);
  return trans._n(
    '%2 × %3 (%1 worker + driver)',
    '%2 × %3 (%1 workers + driver)',
    workers,
    run.instance_type,
    workers + 1
  );
}

/** What cancelling stops, for the confirmation. */
export function cancelText(run: IRun, trans: TranslationBundle): string {
  if (run.kind === 'sweep') {
    const size = run.sweep_rows.length || run.children.length;
    return trans.__(
      'All %1 runs of the sweep are stopped: those running keep their partial output, those waiting never start.',
      size
    );
  }
  if (run.backend !== 'databricks') {
    return trans.__(
      'The notebook is stopped, its partial output is kept, and the %1 machine is terminated.',
      run.instance_type
    );
  }
  return run.cluster_mode === 'new_cluster' || run.cluster_mode === null
    ? trans.__(
        'The Databricks run is cancelled and its job cluster, %1, is terminated.',
        machineText(run, trans)
      )
    : trans.__('The Databricks run is cancelled.');
}
