/**
 * The one cost block of the run dialog: the expected range for the expected
 * runtime, the maximum for the max runtime (what the budget is checked
 * against), the last run of the same notebook on the same machines, and the
 * server's verdict. Every figure and word comes from the server's answer: the
 * block formats, it does not price nor judge.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { ClusterMode, IRunCost } from './api';
import { formatCost, formatCostRange } from '../compute/model';
import { formatDateTime } from '../common/format';
import { CSS } from '../tokens';
import { hasNodes } from './backends';

const C = CSS.RunDialog;

/** Props of {@link CostSummary}. */
export interface ICostSummaryProps {
  /** Databricks only. */
  clusterMode: ClusterMode | null;
  /** The server's cost block for the current fields; null before it answers. */
  cost: IRunCost | null;
  /** The server is pricing the current fields. */
  busy: boolean;
  /** A parameter sweep: the figures are each run's, and the sweep's total follows. */
  sweep?: boolean;
  trans: TranslationBundle;
}

/** The cost block; figures and verdict as the server sent them. */
export function CostSummary(props: ICostSummaryProps): JSX.Element {
  const { clusterMode, cost, busy, sweep, trans } = props;
  if (clusterMode !== null && !hasNodes(clusterMode)) {
    return (
      <CostSection trans={trans}>
        <p className={C.maxCost}>
          {clusterMode === 'serverless'
            ? trans.__(
                'Billed by Databricks for the serverless compute used; it cannot be estimated here.'
              )
            : trans.__(
                'Billed with the cluster your administrator set; it cannot be estimated here.'
              )}
        </p>
      </CostSection>
    );
  }
  if (!cost) {
    return (
      <CostSection trans={trans}>
        <p className={CSS.RunDialog.help}>
          {busy
            ? trans.__('Pricing…')
            : trans.__(
                'Choose a machine to see what the run is expected to cost and can cost at most.'
              )}
        </p>
      </CostSection>
    );
  }
  const expected =
    cost.expected_low_usd === null || cost.expected_high_usd === null
      ? trans.__('unknown')
      : cost.expected_low_usd === cost.expected_high_usd
        ? formatCost(cost.expected_low_usd)
        : formatCostRange(cost.expected_low_usd, cost.expected_high_usd);
  const most =
    cost.max_cost_usd === null
      ? trans.__('unknown')
      : formatCost(cost.max_cost_usd);
  const verdict = cost.verdict;
  return (
    <CostSection trans={trans}>
      <dl>
        <dt>{sweep ? trans.__('Expected, each run') : trans.__('Expected')}</dt>
        <dd className={C.expectedCost}>
          <strong>{expected}</strong>{' '}
          <span className={CSS.RunDialog.counts}>{cost.expected_counts}</span>
        </dd>
        <dt>{sweep ? trans.__('Maximum, each run') : trans.__('Maximum')}</dt>
        <dd className={C.maxCost}>
          <strong>{most}</strong>{' '}
          <span className={CSS.RunDialog.counts}>{cost.max_counts}</span>
        </dd>
        {sweep && cost.sweep && (
          <>
            <dt>{trans._n('%1 run', 'All %1 runs', cost.sweep.children)}</dt>
            <dd className={CSS.Sweep.total}>{cost.sweep.text}</dd>
          </>
        )}
        {cost.history && (
          <>
            <dt>{trans.__('Last time')}</dt>
            <dd
              className={CSS.RunDialog.history}
              title={
                cost.history.started_at
                  ? formatDateTime(cost.history.started_at)
                  : undefined
              }
            >
              {cost.history.text}
            </dd>
          </>
        )}
      </dl>
      <p
        className={`${CSS.RunDialog.verdict} ${verdict.ok ? 'jp-mod-ok' : 'jp-mod-refused'}`}
        aria-live="polite"
      >
        {verdict.message}
        {!verdict.ok && verdict.hint ? ` ${verdict.hint}` : ''}
      </p>
    </CostSection>
  );
}

/** The section around the block, titled. */
function CostSection(props: {
  trans: TranslationBundle;
  children: React.ReactNode;
}): JSX.Element {
  const { trans } = props;
  return (
    <section className={C.cost} aria-label={trans.__('Cost')}>
      <h3>{trans.__('Cost')}</h3>
      {props.children}
    </section>
  );
}
