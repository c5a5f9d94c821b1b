/**
 * The cost part of the run dialog: what the run can cost at most, and what it
 * is expected to cost.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type {
  Backend,
  ClusterMode,
  IEstimate,
  IInstanceType,
  IRunCost
} from '../api';
import {
  formatCost,
  formatCostRange,
  formatNumber,
  formatRate
} from '../compute/model';
import { CSS } from '../tokens';
import { hasNodes } from './backends';

const C = CSS.RunDialog;

/** Props of {@link CostSummary}. */
export interface ICostSummaryProps {
  backend: Backend;
  /** Databricks only. */
  clusterMode: ClusterMode | null;
  /** Machines billed: 1 on EC2, workers + the driver on a job cluster. */
  nodes: number;
  type: IInstanceType | null;
  hours: number | null;
  /** Of one machine; null when unknown. */
  rate: number | null;
  most: number | null;
  cost: IRunCost | null;
  estimate: IEstimate | null;
  budget: number | null;
  trans: TranslationBundle;
}

/**
 * The maximum cost (rate × machines × max runtime, what the budget is checked
 * against) and the expected cost: from the last successful run of the
 * notebook when the server knows one, else from the estimate under the
 * machine table.
 */
export function CostSummary(props: ICostSummaryProps): JSX.Element {
  const { type, cost, estimate, budget, nodes, trans } = props;
  let expected = '—';
  if (cost && cost.expected_cost_usd !== null && cost.expected_hours !== null) {
    expected = trans.__(
      '%1 for %2 h, as long as %3',
      formatCost(cost.expected_cost_usd),
      formatNumber(cost.expected_hours),
      cost.expected_from ?? trans.__('expected')
    );
  } else if (
    estimate &&
    type &&
    estimate.instance_type === type.name &&
    estimate.backend === props.backend &&
    estimate.nodes > 0 &&
    estimate.low !== null &&
    estimate.high !== null
  ) {
    const span =
      estimate.hours_low === estimate.hours_high
        ? formatNumber(estimate.hours_low)
        : `${formatNumber(estimate.hours_low)}–${formatNumber(estimate.hours_high)}`;
    // The estimate may still be for the previous worker count (it is debounced);
    // every machine costs the same, so its figure scales to this run's machines.
    const scale = nodes / estimate.nodes;
    expected =
      scale === 1
        ? trans.__(
            '%1 for %2 h (the runtime of the estimate above)',
            formatCostRange(estimate.low, estimate.high),
            span
          )
        : trans._n(
            '%2 for %3 h (the runtime of the estimate above, %1 machine)',
            '%2 for %3 h (the runtime of the estimate above, %1 machines)',
            nodes,
            formatCostRange(estimate.low * scale, estimate.high * scale),
            span
          );
  }
  return (
    <section className={C.cost} aria-label={trans.__('Cost')}>
      <h3>{trans.__('Cost')}</h3>
      <dl>
        <dt>{trans.__('Maximum')}</dt>
        <dd className={C.maxCost}>{maximumText(props)}</dd>
        <dt>{trans.__('Expected')}</dt>
        <dd className={C.expectedCost}>{expected}</dd>
        {budget !== null && (
          <>
            <dt>{trans.__('Budget')}</dt>
            <dd>
              {trans.__(
                '%1 per run, checked by the server',
                formatCost(budget)
              )}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

/** The most the run can cost and how that figure is made. */
function maximumText(props: ICostSummaryProps): string {
  const { backend, clusterMode, nodes, type, hours, rate, most, trans } = props;
  if (most === null || hours === null) {
    if (clusterMode !== null && !hasNodes(clusterMode)) {
      return clusterMode === 'serverless'
        ? trans.__(
            'Billed by Databricks for the serverless compute used; it cannot be estimated here.'
          )
        : trans.__(
            'Billed with the cluster your administrator set; it cannot be estimated here.'
          );
    }
    return type && rate === null
      ? trans.__('unknown: no price for %1', type.name)
      : '—';
  }
  if (backend === 'ec2') {
    return trans.__(
      '%1 (%2/h × %3 h, then the machine is terminated)',
      formatCost(most),
      formatRate(rate),
      formatNumber(hours)
    );
  }
  // Derived from the total, so it reads right whether the server's rate is
  // of one node or of the cluster.
  if (clusterMode === null || hasNodes(clusterMode)) {
    return trans._n(
      '%2 (%1 machine × %3/h × %4 h, then the job cluster is terminated)',
      '%2 (%1 machines × %3/h × %4 h, then the job cluster is terminated)',
      nodes,
      formatCost(most),
      formatRate(most / (nodes * hours)),
      formatNumber(hours)
    );
  }
  return trans.__(
    '%1 (%2/h × %3 h, then the run is stopped)',
    formatCost(most),
    formatRate(most / hours),
    formatNumber(hours)
  );
}
