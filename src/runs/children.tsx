/**
 * A sweep's card parts in the Runs section: "Sweep of 6 · 2 running · 3 done
 * · 1 failed" over a progress bar, and its children's table (parameters,
 * state, duration, cost, exit value, the values each glued) with Open per
 * child and Export CSV. A thousand children stay quick: the first 100 rows
 * are rendered until "Show more" is clicked.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IRun } from './api';
import { formatDuration } from '../common/format';
import { ShowAll, useShowAll } from '../common/showall';
import { formatCost } from '../compute/model';
import { CSS } from '../tokens';
import { childCost, childSeconds, parameterText } from './model';
import {
  childBadge,
  sweepChildren,
  sweepColumns,
  sweepFraction,
  sweepSize,
  sweepSummary
} from './sweepchildren';

const C = CSS.Sweep;

/** The summary line and the bar of children over. */
export function SweepProgress(props: {
  run: IRun;
  trans: TranslationBundle;
}): JSX.Element {
  const { run, trans } = props;
  const summary = sweepSummary(run, trans);
  const size = sweepSize(run);
  const fraction = sweepFraction(run);
  return (
    <div className={CSS.Runs.live}>
      <p className={C.summary}>{summary}</p>
      <div
        className={CSS.Runs.progress}
        role="progressbar"
        aria-label={trans.__('Runs of the sweep over')}
        aria-valuemin={0}
        aria-valuemax={size}
        aria-valuenow={Math.round(fraction * size)}
        aria-valuetext={summary}
      >
        <div
          className={CSS.Runs.progressBar}
          style={{ width: `${Math.round(fraction * 100)}%` }}
        />
      </div>
    </div>
  );
}

/** Props of {@link SweepChildren}. */
export interface ISweepChildrenProps {
  run: IRun;
  /** Milliseconds since the epoch, for the durations and costs of running children. */
  now: number;
  /** An Open or Export of this sweep is in flight. */
  busy: boolean;
  onOpenChild: (index: number) => void;
  onExport: () => void;
  trans: TranslationBundle;
}

/** Show/hide the children's table, and Export CSV. */
export function SweepChildren(props: ISweepChildrenProps): JSX.Element {
  const { run, busy, trans } = props;
  const [open, setOpen] = React.useState(false);
  const id = React.useId();
  const size = sweepSize(run);
  return (
    <div>
      <div className={CSS.Runs.actions}>
        <button
          type="button"
          className={`${C.expand} jp-Button jp-mod-minimal`}
          aria-expanded={open}
          aria-controls={`${id}-children`}
          onClick={() => setOpen(!open)}
        >
          {open
            ? trans.__('Hide the runs')
            : trans._n('Show the %1 run', 'Show the %1 runs', size)}
        </button>
        <button
          type="button"
          className={`${C.exportCsv} jp-Button jp-mod-minimal`}
          disabled={busy}
          title={trans.__(
            'Write a CSV of the runs (parameters, state, duration, cost, glued values) next to the notebook and open it'
          )}
          onClick={props.onExport}
        >
          {trans.__('Export CSV')}
        </button>
      </div>
      {open && (
        <div id={`${id}-children`} className={C.childrenScroll}>
          <ChildrenTable {...props} />
        </div>
      )}
    </div>
  );
}

/** One row per child, one column per parameter swept and per glued value. */
export function ChildrenTable(props: ISweepChildrenProps): JSX.Element {
  const { run, now, busy, onOpenChild, trans } = props;
  const { parameters, scraps } = sweepColumns(run);
  const [children, more] = useShowAll(sweepChildren(run));
  return (
    <>
      <table className={C.children} aria-label={trans.__('Runs of the sweep')}>
        <thead>
          <tr>
            <th scope="col">#</th>
            {parameters.map(name => (
              <th scope="col" key={`p-${name}`}>
                <code>{name}</code>
              </th>
            ))}
            <th scope="col">{trans.__('State')}</th>
            <th scope="col">{trans.__('Duration')}</th>
            <th scope="col">{trans.__('Cost')}</th>
            <th scope="col">{trans.__('Exit value')}</th>
            {scraps.map(name => (
              <th
                scope="col"
                key={`s-${name}`}
                title={trans.__('Glued by the notebook (scrapbook)')}
              >
                {name}
              </th>
            ))}
            <th scope="col" aria-label={trans.__('Notebook')} />
          </tr>
        </thead>
        <tbody>
          {children.map(child => {
            const row = run.sweep_rows[child.index] ?? {};
            const badge = childBadge(child.state, trans);
            const seconds = childSeconds(child, now);
            const cost = childCost(run, child, now);
            return (
              <tr
                key={child.index}
                className={C.child}
                data-index={child.index}
                data-state={child.state}
              >
                <td className="jp-mod-number">{child.index}</td>
                {parameters.map(name => (
                  <Cell key={`p-${name}`} text={parameterText(row[name])} />
                ))}
                <td>
                  <span
                    className={CSS.Runs.state}
                    data-tone={badge.tone}
                    title={child.failure_message ?? undefined}
                  >
                    {badge.label}
                  </span>
                </td>
                <td className="jp-mod-number">
                  {seconds === null ? '—' : formatDuration(seconds)}
                </td>
                <td className="jp-mod-number">
                  {cost === null ? '—' : formatCost(cost)}
                </td>
                <Cell text={child.exit_value ?? ''} />
                {scraps.map(name => (
                  <Cell
                    key={`s-${name}`}
                    text={parameterText(child.scraps[name])}
                  />
                ))}
                <td>
                  {child.output_key && (
                    <button
                      type="button"
                      className={`${C.openChild} jp-Button jp-mod-minimal`}
                      disabled={busy}
                      aria-label={trans.__(
                        'Open the notebook of run %1',
                        child.index
                      )}
                      title={trans.__(
                        "Copy this run's executed notebook next to the original and open it"
                      )}
                      onClick={() => onOpenChild(child.index)}
                    >
                      {trans.__('Open')}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ShowAll {...more} className={C.more} trans={trans} />
    </>
  );
}

/** A value cell; the whole value in its tooltip when it is cut. */
function Cell(props: { text: string }): JSX.Element {
  return <td title={props.text || undefined}>{props.text}</td>;
}
