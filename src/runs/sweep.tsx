/**
 * The run dialog's sweep editor (issue 14): "Run for several parameter sets"
 * runs the notebook once per set, given as a grid (lists of values whose every
 * combination is a run) or a table (one row per run, typed or pasted as CSV),
 * with how many run at once. The parameters above stay each run's values for
 * whatever the sweep does not set.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { closeIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ShowAll, useShowAll } from '../common/showall';
import { CSS } from '../tokens';
import { ParameterInputs } from './fields';
import {
  ISweepLimits,
  ISweepPlan,
  ISweepState,
  productText,
  readGrid,
  SweepMode,
  tableFromCsv
} from './sweepmodel';

const C = CSS.Sweep;

/** Props of {@link SweepEditor}. */
export interface ISweepEditorProps {
  state: ISweepState;
  /** Takes an update of the state (as React's setState): clicks in a row each see the last. */
  onChange: React.Dispatch<React.SetStateAction<ISweepState>>;
  /** The notebook's parameters and their defaults. */
  defaults: Record<string, unknown>;
  /** The single-run fields as typed: what a parameter the sweep leaves out gets. */
  texts: Record<string, string>;
  limits: ISweepLimits;
  /** The editor as read (runs, problems). */
  plan: ISweepPlan;
  trans: TranslationBundle;
}

/** The switch, and once on, the grid or table and the runs at once. */
export function SweepEditor(props: ISweepEditorProps): JSX.Element {
  const { state, onChange, defaults, limits, plan, trans } = props;
  const id = React.useId();
  const names = Object.keys(defaults);
  const set = (change: Partial<ISweepState>): void =>
    onChange(current => ({ ...current, ...change }));
  const modes: [SweepMode, string, string][] = [
    [
      'grid',
      trans.__('Grid'),
      trans.__('Lists of values: every combination is a run')
    ],
    ['table', trans.__('Table'), trans.__('One row of values per run')]
  ];
  return (
    <fieldset className={C.editor}>
      <legend>{trans.__('Parameter sweep')}</legend>
      <label className={C.toggle}>
        <input
          type="checkbox"
          role="switch"
          checked={state.on}
          disabled={names.length === 0}
          aria-describedby={names.length === 0 ? `${id}-none` : undefined}
          onChange={event => set({ on: event.target.checked })}
        />
        {trans.__('Run for several parameter sets')}
      </label>
      {names.length === 0 && (
        <p id={`${id}-none`} className={CSS.RunDialog.help}>
          {trans.__('The notebook has no parameters to vary.')}
        </p>
      )}
      {state.on && (
        <>
          <div
            className={C.modes}
            role="radiogroup"
            aria-label={trans.__('How the parameter sets are given')}
          >
            {modes.map(([mode, label, title]) => (
              <label key={mode} title={title}>
                <input
                  type="radio"
                  name={`${id}-mode`}
                  value={mode}
                  checked={state.mode === mode}
                  onChange={() => set({ mode })}
                />
                {label}
              </label>
            ))}
          </div>
          {state.mode === 'grid' ? (
            <GridLines {...props} />
          ) : (
            <TableEditor {...props} />
          )}
          <div className={CSS.RunDialog.grid}>
            <label htmlFor={`${id}-parallel`}>{trans.__('At most')}</label>
            <span>
              <input
                id={`${id}-parallel`}
                className={`${C.parallel} jp-mod-styled`}
                type="text"
                inputMode="numeric"
                size={4}
                value={state.parallelText}
                aria-describedby={`${id}-parallel-help`}
                onChange={event => set({ parallelText: event.target.value })}
              />{' '}
              <span id={`${id}-parallel-help`}>
                {limits.maxParallel === null
                  ? trans.__('runs at once')
                  : trans.__(
                      'runs at once (up to %1 here)',
                      limits.maxParallel
                    )}
              </span>
            </span>
          </div>
          <p className={C.count} aria-live="polite">
            {state.mode === 'grid'
              ? productText(readGrid(state.grid, defaults), trans)
              : trans._n('%1 run', '%1 runs', plan.children)}
          </p>
        </>
      )}
    </fieldset>
  );
}

/** One line per parameter: the values to try, comma-separated. */
function GridLines(props: ISweepEditorProps): JSX.Element {
  const { state, onChange, defaults, texts, trans } = props;
  return (
    <ParameterInputs
      names={Object.keys(defaults)}
      className={C.values}
      value={name => state.grid[name] ?? ''}
      placeholder={name => trans.__('as above: %1', texts[name] || 'None')}
      title={() =>
        trans.__(
          'Values separated by commas, e.g. 10, 100, 1000; empty: the value above'
        )
      }
      onChange={(name, text) =>
        onChange(current => ({
          ...current,
          grid: { ...current.grid, [name]: text }
        }))
      }
    >
      <span className={CSS.RunDialog.help}>
        {trans.__(
          'Values separated by commas; quote a text with a comma ("a, b"). Every combination is a run.'
        )}
      </span>
    </ParameterInputs>
  );
}

/** Rows of values, one column per parameter, with add, remove and paste CSV. */
function TableEditor(props: ISweepEditorProps): JSX.Element {
  const { state, onChange, defaults, texts, trans } = props;
  const id = React.useId();
  const [csv, setCsv] = React.useState<string | null>(null);
  const [csvError, setCsvError] = React.useState<string | null>(null);
  const [rows, more] = useShowAll(state.cells);
  const { columns } = state;
  const setCells = (change: (cells: string[][]) => string[][]): void =>
    onChange(current => ({ ...current, cells: change(current.cells) }));
  const setCell = (row: number, column: number, text: string): void =>
    setCells(cells =>
      cells.map((values, r) =>
        r === row ? values.map((v, c) => (c === column ? text : v)) : values
      )
    );
  const applyCsv = (): void => {
    const read = tableFromCsv(csv ?? '', defaults, trans);
    if (!read.ok) {
      setCsvError(read.message);
      return;
    }
    onChange(current => ({
      ...current,
      columns: read.columns,
      cells: read.cells
    }));
    setCsv(null);
    setCsvError(null);
  };
  return (
    <div>
      <table
        className={C.table}
        aria-label={trans.__('Parameter sets, one row per run')}
      >
        <thead>
          <tr>
            <th scope="col">#</th>
            {columns.map(name => (
              <th scope="col" key={name}>
                <code>{name}</code>
              </th>
            ))}
            <th scope="col" aria-label={trans.__('Remove')} />
          </tr>
        </thead>
        <tbody>
          {rows.map((values, row) => (
            <tr key={row}>
              <td>{row + 1}</td>
              {columns.map((name, column) => (
                <td key={name}>
                  <input
                    className={`${C.cell} jp-mod-styled`}
                    type="text"
                    data-parameter={name}
                    aria-label={trans.__('%1, run %2', name, row + 1)}
                    placeholder={texts[name] ?? ''}
                    value={values[column] ?? ''}
                    onChange={event => setCell(row, column, event.target.value)}
                  />
                </td>
              ))}
              <td>
                <button
                  type="button"
                  className={`${C.removeRow} jp-Button jp-mod-minimal`}
                  aria-label={trans.__('Remove run %1', row + 1)}
                  title={trans.__('Remove run %1', row + 1)}
                  onClick={() =>
                    setCells(cells => cells.filter((_, r) => r !== row))
                  }
                >
                  <closeIcon.react tag="span" />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ShowAll {...more} className={C.more} trans={trans} />
      <div className={C.tableActions}>
        <button
          type="button"
          className={`${C.addRow} jp-Button jp-mod-styled`}
          onClick={() =>
            onChange(current => ({
              ...current,
              cells: [...current.cells, current.columns.map(() => '')]
            }))
          }
        >
          {trans.__('Add row')}
        </button>
        <button
          type="button"
          className={`${C.pasteCsv} jp-Button jp-mod-styled`}
          aria-expanded={csv !== null}
          aria-controls={`${id}-csv`}
          onClick={() => {
            setCsv(csv === null ? '' : null);
            setCsvError(null);
          }}
        >
          {trans.__('Paste CSV')}
        </button>
        <span className={CSS.RunDialog.help}>
          {trans.__('An empty cell keeps the value above.')}
        </span>
      </div>
      {csv !== null && (
        <div id={`${id}-csv`}>
          <label htmlFor={`${id}-csv-text`} className={CSS.RunDialog.help}>
            {trans.__(
              'CSV whose first line names parameters (%1), then one line per run:',
              Object.keys(defaults).join(', ')
            )}
          </label>
          <textarea
            id={`${id}-csv-text`}
            className={`${C.csv} jp-mod-styled`}
            rows={6}
            value={csv}
            aria-invalid={csvError !== null}
            aria-describedby={csvError ? `${id}-csv-error` : undefined}
            onChange={event => setCsv(event.target.value)}
          />
          <button
            type="button"
            className={`${C.useCsv} jp-Button jp-mod-styled jp-mod-accept`}
            onClick={applyCsv}
          >
            {trans.__('Use these rows')}
          </button>
          {csvError && (
            <p id={`${id}-csv-error`} className={C.csvError} role="alert">
              {csvError}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
