/**
 * The estimate panel of the selected type: runtime, backend, workers and disk
 * in; low–high cost, its breakdown, the billing rule and what it leaves out.
 * The estimate follows the inputs as the user types (debounced, stale
 * requests aborted).
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  Backend,
  IComputeLimits,
  IEstimate,
  IInstanceType,
  IPriceSource
} from './api';
import { useUcdhClient } from '../client';
import { CSS } from '../tokens';
import { formatNumber } from '../common/format';
import {
  estimateRequest,
  formatCost,
  formatCostRange,
  formatGpu,
  formatRate,
  formErrorMessage,
  IEstimateForm
} from './model';
import { ProblemView } from '../common/problemview';
import { useRequest } from '../common/useRequest';

const C = CSS.Compute;

/** Props of {@link EstimatePanel}. */
export interface IEstimatePanelProps {
  type: IInstanceType;
  form: IEstimateForm;
  onFormChange: (form: IEstimateForm) => void;
  limits: IComputeLimits | null;
  /** The backend is set by the caller: no choice is offered. */
  fixedBackend?: boolean;
  /** The Databricks workers are set by the caller: no input is offered. */
  fixedWorkers?: boolean;
  /** The disk size is set by the caller: no input is offered. */
  fixedEbs?: boolean;
  /** Called with each estimate; null while the inputs are invalid or nothing arrived. */
  onEstimate?: (estimate: IEstimate | null) => void;
  /** Called with the price source of each estimate, which may be newer than the catalog's. */
  onPrices: (prices: IPriceSource) => void;
  debounceMs: number;
  trans: TranslationBundle;
}

/** The selected type, the estimate inputs and the estimate. */
export function EstimatePanel(props: IEstimatePanelProps): JSX.Element {
  const { type, form, onFormChange, limits, trans } = props;
  const client = useUcdhClient();
  const id = React.useId();
  const built = estimateRequest(type.name, form);
  const key = built.ok ? JSON.stringify(built.body) : '';
  const request = built.ok
    ? (signal: AbortSignal) => client.compute.estimateCost(built.body, signal)
    : null;
  const { data, error, busy, retry } = useRequest<IEstimate>(
    request,
    key,
    props.debounceMs
  );

  const onPrices = props.onPrices;
  React.useEffect(() => {
    if (data) {
      onPrices(data.prices);
    }
  }, [data, onPrices]);

  const onEstimate = props.onEstimate;
  const current = built.ok && !error ? data : null;
  React.useEffect(() => {
    onEstimate?.(current);
  }, [current, onEstimate]);

  const set =
    (field: keyof IEstimateForm) =>
    (event: React.ChangeEvent<HTMLInputElement>): void =>
      onFormChange({ ...form, [field]: event.target.value });
  const setBackend = (backend: Backend): void =>
    onFormChange({ ...form, backend });

  const hoursError =
    !built.ok && built.error.startsWith('hours')
      ? formErrorMessage(built.error, trans)
      : null;
  const otherError =
    !built.ok && !built.error.startsWith('hours')
      ? formErrorMessage(built.error, trans)
      : null;
  const maxHours = limits?.max_runtime_hours ?? null;
  // The type may be allowed while this job is not (e.g. too many GPU nodes).
  const notAllowed = !type.allowed
    ? (type.reason ?? '')
    : data && !data.allowed
      ? (data.reason ?? '')
      : null;

  return (
    <section
      className={C.estimate}
      aria-label={trans.__('Cost estimate for %1', type.name)}
    >
      <h3 className={CSS.Compute.selected}>
        <span className={CSS.Compute.selectedName}>{type.name}</span>{' '}
        <span className={CSS.Compute.selectedSpec}>
          {describeType(type, trans)}
        </span>
      </h3>
      {notAllowed !== null && (
        <p className={C.reason}>
          {trans.__(
            'Not allowed: %1',
            notAllowed || trans.__('outside your limits')
          )}
        </p>
      )}
      <div className={CSS.Compute.inputs}>
        <label htmlFor={`${id}-hours`}>{trans.__('Runtime (hours)')}</label>
        <input
          id={`${id}-hours`}
          className={`${C.hours} jp-mod-styled`}
          type="text"
          inputMode="decimal"
          value={form.hours}
          placeholder="2-4"
          aria-invalid={hoursError !== null}
          aria-describedby={`${id}-hours-help`}
          onChange={set('hours')}
        />
        <span id={`${id}-hours-help`} className={CSS.Compute.help}>
          {hoursError ??
            (maxHours === null
              ? trans.__('One value (2.5) or a range (2-4)')
              : trans.__(
                  'One value (2.5) or a range (2-4); runs stop after %1 h',
                  formatNumber(maxHours)
                ))}
        </span>
        {!props.fixedBackend && (
          <>
            <span id={`${id}-backend`}>{trans.__('Runs on')}</span>
            <span
              className={C.backend}
              role="radiogroup"
              aria-labelledby={`${id}-backend`}
            >
              {(['ec2', 'databricks'] as Backend[]).map(value => (
                <label key={value}>
                  <input
                    type="radio"
                    name={`${id}-backend`}
                    value={value}
                    checked={form.backend === value}
                    onChange={() => setBackend(value)}
                  />
                  {value === 'ec2' ? trans.__('EC2') : trans.__('Databricks')}
                </label>
              ))}
            </span>
          </>
        )}
        {form.backend === 'databricks' && !props.fixedWorkers && (
          <>
            <label htmlFor={`${id}-workers`}>{trans.__('Workers')}</label>
            <input
              id={`${id}-workers`}
              className="jp-mod-styled"
              type="number"
              step={1}
              value={form.workers}
              onChange={set('workers')}
              min={0}
              title={trans.__('Worker nodes; the driver node is added')}
            />
          </>
        )}
        {!props.fixedEbs && (
          <>
            <label htmlFor={`${id}-ebs`}>{trans.__('Disk (GB)')}</label>
            <input
              id={`${id}-ebs`}
              className="jp-mod-styled"
              type="number"
              min={0}
              step={1}
              value={form.ebs_gb}
              onChange={set('ebs_gb')}
              title={trans.__(
                'Size of the EBS volume attached to each machine'
              )}
            />
          </>
        )}
      </div>
      {otherError && <p className={C.fieldError}>{otherError}</p>}
      <div className={CSS.Compute.result} aria-live="polite" aria-busy={busy}>
        {!built.ok ? null : error && !busy ? (
          <ProblemView
            problem={error}
            busy={busy}
            // A 400 is about the input: retrying the same input cannot help.
            onRetry={error.status === 400 ? undefined : retry}
            trans={trans}
          />
        ) : data ? (
          <EstimateView estimate={data} trans={trans} />
        ) : (
          <p className={C.status}>{trans.__('Estimating…')}</p>
        )}
      </div>
    </section>
  );
}

/** "4 vCPU · 16 GiB · 1 × T4 (16 GiB) · $0.526/h" */
function describeType(type: IInstanceType, trans: TranslationBundle): string {
  const parts = [
    trans.__('%1 vCPU', type.vcpu),
    trans.__('%1 GiB', formatNumber(type.memory_gib))
  ];
  if (type.gpu_count > 0) {
    parts.push(formatGpu(type));
  }
  parts.push(trans.__('%1/h', formatRate(type.price_per_hour)));
  return parts.join(' · ');
}

/** The figures of an estimate. */
function EstimateView(props: {
  estimate: IEstimate;
  trans: TranslationBundle;
}): JSX.Element {
  const { estimate, trans } = props;
  return (
    <>
      <p className={CSS.Compute.total}>
        <span className={C.estimateRange}>
          {estimate.low === null || estimate.high === null
            ? trans.__('Price unknown')
            : formatCostRange(estimate.low, estimate.high)}
        </span>{' '}
        <span className={CSS.Compute.currency}>{estimate.currency}</span>
      </p>
      {estimate.breakdown.length > 0 && (
        <table className={C.breakdown}>
          <thead>
            <tr>
              <th scope="col">{trans.__('Item')}</th>
              <th scope="col">{trans.__('Rate')}</th>
              <th scope="col">{trans.__('Low')}</th>
              <th scope="col">{trans.__('High')}</th>
            </tr>
          </thead>
          <tbody>
            {estimate.breakdown.map(line => (
              <tr key={line.item}>
                <th scope="row">{line.item}</th>
                <td>{trans.__('%1/h', formatRate(line.rate_per_hour))}</td>
                <td>{formatCost(line.low)}</td>
                <td>{formatCost(line.high)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {estimate.billing && (
        <p className={CSS.Compute.billing}>{estimate.billing}</p>
      )}
      {estimate.excludes.length > 0 && (
        <div className={CSS.Compute.excludes}>
          {trans.__('Not included:')}
          <ul>
            {estimate.excludes.map(item => (
              <li key={item}>{item}</li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
