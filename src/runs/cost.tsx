/**
 * The cost part of the run dialog: what the run can cost at most, and what it
 * is expected to cost.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IEstimate, IInstanceType, IRunCost } from '../api';
import {
  formatCost,
  formatCostRange,
  formatNumber,
  formatRate
} from '../compute/model';
import { CSS } from '../tokens';

const C = CSS.RunDialog;

/**
 * The maximum cost (rate × max runtime, what the budget is checked against)
 * and the expected cost: from the last successful run of the notebook when
 * the server knows one, else from the estimate under the machine table.
 */
export function CostSummary(props: {
  type: IInstanceType | null;
  hours: number | null;
  rate: number | null;
  most: number | null;
  cost: IRunCost | null;
  estimate: IEstimate | null;
  budget: number | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { type, hours, rate, most, cost, estimate, budget, trans } = props;
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
    estimate.low !== null &&
    estimate.high !== null
  ) {
    const span =
      estimate.hours_low === estimate.hours_high
        ? formatNumber(estimate.hours_low)
        : `${formatNumber(estimate.hours_low)}–${formatNumber(estimate.hours_high)}`;
    expected = trans.__(
      '%1 for %2 h (the runtime of the estimate above)',
      formatCostRange(estimate.low, estimate.high),
      span
    );
  }
  let maximum = '—';
  if (type && rate === null) {
    maximum = trans.__('unknown: no price for %1', type.name);
  } else if (most !== null && hours !== null) {
    maximum = trans.__(
      '%1 (%2/h × %3 h, then the machine is terminated)',
      formatCost(most),
      formatRate(rate),
      formatNumber(hours)
    );
  }
  return (
    <section className={C.cost} aria-label={trans.__('Cost')}>
      <h3>{trans.__('Cost')}</h3>
      <dl>
        <dt>{trans.__('Maximum')}</dt>
        <dd className={C.maxCost}>{maximum}</dd>
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
