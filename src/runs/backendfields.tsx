/**
 * The parts of the run dialog that choose where the notebook runs: EC2 or
 * Databricks, and for Databricks its compute kind and workers.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { Backend, IInstanceType } from '../compute/api';
import { InstancePicker } from '../compute/picker';
import type { ClusterMode, IBackendAvailability, IRunBackends } from './api';
import { CSS } from '../tokens';
import { clusterModeLabel, WorkersParse } from './backends';

/** Props of {@link BackendField}. */
export interface IBackendFieldProps {
  backends: IRunBackends;
  backend: Backend;
  onChange: (backend: Backend) => void;
  trans: TranslationBundle;
}

/**
 * One radio per backend. An unavailable backend stays focusable
 * (`aria-disabled`, not `disabled`) so keyboard and screen reader users reach
 * it and hear why it cannot be chosen and how to get it.
 */
export function BackendField(props: IBackendFieldProps): JSX.Element {
  const { backends, backend, onChange, trans } = props;
  const id = React.useId();
  const labels: Record<Backend, string> = {
    ec2: trans.__('EC2: one machine, only while the notebook runs'),
    databricks: trans.__('Databricks: a Spark cluster, only while it runs')
  };
  return (
    <fieldset className={CSS.RunDialog.backend}>
      <legend>{trans.__('Runs on')}</legend>
      {(['ec2', 'databricks'] as Backend[]).map(value => {
        const availability: IBackendAvailability = backends[value];
        const off = !availability.available;
        const helpId = `${id}-${value}-help`;
        return (
          <div key={value} className={CSS.RunDialog.backendChoice}>
            <label className={off ? 'jp-mod-disabled' : undefined}>
              <input
                type="radio"
                name={`${id}-backend`}
                value={value}
                checked={backend === value}
                aria-disabled={off || undefined}
                aria-describedby={off ? helpId : undefined}
                onChange={() => {
                  if (!off) {
                    onChange(value);
                  }
                }}
              />
              {labels[value]}
            </label>
            {off && (
              <p id={helpId} className={CSS.RunDialog.unavailable}>
                <span className={CSS.RunDialog.reason}>
                  {availability.reason ?? trans.__('Not available here.')}
                </span>
                {availability.hint && (
                  <>
                    {' '}
                    <span className={CSS.RunDialog.help}>
                      {availability.hint}
                    </span>
                  </>
                )}
              </p>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

/** Props of {@link ClusterFields}. */
export interface IClusterFieldsProps {
  /** The compute kinds the admin allows; no choice is shown for one. */
  modes: ClusterMode[];
  mode: ClusterMode;
  onMode: (mode: ClusterMode) => void;
  workersText: string;
  workers: WorkersParse;
  maxWorkers: number;
  onWorkers: (text: string) => void;
  trans: TranslationBundle;
}

/** The Databricks compute: its kind and, for a job cluster, the number of workers. */
export function ClusterFields(props: IClusterFieldsProps): JSX.Element {
  const { modes, mode, onMode, workers, maxWorkers, trans } = props;
  const id = React.useId();
  return (
    <fieldset className={CSS.RunDialog.cluster}>
      <legend>{trans.__('Databricks compute')}</legend>
      <div className={CSS.RunDialog.grid}>
        {modes.length > 1 ? (
          <>
            <label htmlFor={`${id}-mode`}>{trans.__('Compute')}</label>
            <select
              id={`${id}-mode`}
              className={`${CSS.RunDialog.clusterMode} jp-mod-styled`}
              value={mode}
              onChange={event => onMode(event.target.value as ClusterMode)}
            >
              {modes.map(value => (
                <option key={value} value={value}>
                  {clusterModeLabel(value, trans)}
                </option>
              ))}
            </select>
          </>
        ) : (
          <>
            <span>{trans.__('Compute')}</span>
            <span>{clusterModeLabel(mode, trans)}</span>
          </>
        )}
        {mode === 'new_cluster' && (
          <>
            <label htmlFor={`${id}-workers`}>{trans.__('Workers')}</label>
            <input
              id={`${id}-workers`}
              className={`${CSS.RunDialog.workers} jp-mod-styled`}
              type="number"
              min={0}
              max={maxWorkers}
              step={1}
              value={props.workersText}
              aria-invalid={!workers.ok}
              aria-describedby={`${id}-workers-help`}
              onChange={event => props.onWorkers(event.target.value)}
            />
            <span id={`${id}-workers-help`} className={CSS.RunDialog.help}>
              {workers.ok
                ? trans._n(
                    'Plus the driver: %1 machine is billed. 0 workers runs on the driver alone (at most %2).',
                    'Plus the driver: %1 machines are billed. 0 workers runs on the driver alone (at most %2).',
                    workers.workers + 1,
                    maxWorkers
                  )
                : trans.__('A whole number from 0 to %1.', maxWorkers)}
            </span>
          </>
        )}
      </div>
    </fieldset>
  );
}

/** In place of the files and environment: a Databricks run sends the notebook alone. */
export function NotebookOnlyNote(props: {
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  return (
    <section
      className={CSS.RunDialog.notebookOnly}
      aria-label={trans.__('Files and environment')}
    >
      <h3>{trans.__('Files and environment')}</h3>
      <p>
        {trans.__(
          'A Databricks run sends only the notebook: no files of its folder and no package list. Read inputs from S3, and install packages with %pip in the notebook.'
        )}
      </p>
    </section>
  );
}

/**
 * The machine (EC2) or the node type of a job cluster (Databricks): the
 * instance picker, without its own estimate (the dialog has one cost block).
 */
export function MachineField(props: {
  backend: Backend;
  /** The type to select first: the current one, a rerun's or the last run's. */
  initialType: string | undefined;
  onChange: (type: IInstanceType | null) => void;
  debounceMs?: number;
  trans: TranslationBundle;
}): JSX.Element {
  const { backend, trans } = props;
  const onDatabricks = backend === 'databricks';
  return (
    <section
      className={CSS.RunDialog.machine}
      aria-label={onDatabricks ? trans.__('Node type') : trans.__('Machine')}
    >
      <h3>
        {onDatabricks
          ? trans.__('Node type (driver and workers)')
          : trans.__('Machine')}
      </h3>
      <InstancePicker
        // Prices differ per backend (Databricks adds DBUs): start afresh
        // on the new catalog, keeping the chosen type.
        key={backend}
        trans={trans}
        initialType={props.initialType}
        backend={backend}
        noEstimate
        compact
        onChange={props.onChange}
        debounceMs={props.debounceMs}
      />
    </section>
  );
}
