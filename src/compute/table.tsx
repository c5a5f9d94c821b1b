/**
 * The catalog table: sortable headers, focusable rows, and a "show more"
 * button so a catalog of 1,400 types never renders all at once.
 *
 * Its columns follow the width it has (see `columns.ts`): in the default
 * sidebar, type, a vCPU · memory · GPU summary and $/h, with the rest in a
 * details line under the selected row; never a sideways scrollbar.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IInstanceType } from './api';
import { CSS } from '../tokens';
import {
  ColumnKey,
  columnsForWidth,
  hiddenDetails,
  SUMMARY_KEYS
} from './columns';
import { cell, cellClass } from './cells';
import { formatNumber } from '../common/format';
import { ariaSort, formatGpu, ISort, SortKey } from './model';
import { useWidth } from './useWidth';

const C = CSS.Compute;

/** Rows rendered at first and added by each "show more". */
export const PAGE_SIZE = 50;

/** Props of {@link CatalogTable}. */
export interface ICatalogTableProps {
  /** Already sorted. */
  types: IInstanceType[];
  sort: ISort;
  onSort: (key: SortKey) => void;
  selected: string | null;
  onSelect: (type: IInstanceType) => void;
  /** A newer catalog is loading; the rows shown may change. */
  busy?: boolean;
  trans: TranslationBundle;
}

interface IColumn {
  key: SortKey;
  label: string;
  title: string;
  numeric: boolean;
}

/** The header of each sortable field. */
function sortColumns(trans: TranslationBundle): Record<SortKey, IColumn> {
  const column = (
    key: SortKey,
    label: string,
    title: string,
    numeric: boolean
  ): IColumn => ({ key, label, title, numeric });
  return {
    name: column('name', trans.__('Type'), '', false),
    vcpu: column('vcpu', trans.__('vCPU'), trans.__('Virtual CPUs'), true),
    memory: column('memory', trans.__('GiB'), trans.__('Memory (GiB)'), true),
    gpu: column(
      'gpu',
      trans.__('GPU'),
      trans.__('GPUs: count × model (memory per GPU)'),
      false
    ),
    price: column(
      'price',
      trans.__('$/h'),
      trans.__('On-demand price per hour'),
      true
    ),
    price_per_vcpu: column(
      'price_per_vcpu',
      trans.__('$/vCPU-h'),
      trans.__('Price per vCPU per hour'),
      true
    ),
    price_per_gib: column(
      'price_per_gib',
      trans.__('$/GiB-h'),
      trans.__('Price per GiB of memory per hour'),
      true
    )
  };
}

/** The sortable, keyboard-navigable table of instance types. */
export function CatalogTable(props: ICatalogTableProps): JSX.Element {
  const { types, sort, onSort, selected, onSelect, trans } = props;
  const [limit, setLimit] = React.useState(PAGE_SIZE);
  const [focusName, setFocusName] = React.useState<string | null>(null);
  const bodyRef = React.useRef<HTMLTableSectionElement>(null);
  const pendingFocus = React.useRef<string | null>(null);

  const selectedIndex = types.findIndex(t => t.name === selected);
  // Keep the selection (e.g. a preset's type) among the rendered rows.
  const shown = Math.min(types.length, Math.max(limit, selectedIndex + 1));
  const visible = types.slice(0, shown);
  const tabStop =
    visible.find(t => t.name === focusName)?.name ??
    (selectedIndex >= 0 ? selected : (visible[0]?.name ?? null));

  React.useEffect(() => {
    const name = pendingFocus.current;
    if (name === null || !bodyRef.current) {
      return;
    }
    pendingFocus.current = null;
    const row = bodyRef.current.querySelector<HTMLElement>(
      `tr[data-type="${cssEscape(name)}"]`
    );
    if (row) {
      // Scroll first: focus() alone may also scroll the table sideways.
      scrollRowIntoView(row);
      row.focus({ preventScroll: true });
    }
  });

  React.useEffect(() => {
    const row =
      selected === null
        ? null
        : bodyRef.current?.querySelector<HTMLElement>(
            `tr[data-type="${cssEscape(selected)}"]`
          );
    if (row) {
      scrollRowIntoView(row);
    }
    // A new catalog (preset, filter) may bring the selected row in.
  }, [selected, types.length]);

  const moveFocus = (from: number, to: number): void => {
    const index = Math.max(0, Math.min(types.length - 1, to));
    if (index === from || types.length === 0) {
      return;
    }
    if (index >= limit) {
      setLimit(index + 1);
    }
    pendingFocus.current = types[index].name;
    setFocusName(types[index].name);
  };

  const onKeyDown = (event: React.KeyboardEvent, index: number): void => {
    switch (event.key) {
      case 'ArrowDown':
        moveFocus(index, index + 1);
        break;
      case 'ArrowUp':
        moveFocus(index, index - 1);
        break;
      case 'PageDown':
        moveFocus(index, index + 10);
        break;
      case 'PageUp':
        moveFocus(index, index - 10);
        break;
      case 'Home':
        moveFocus(index, 0);
        break;
      case 'End':
        moveFocus(index, shown - 1);
        break;
      case 'Enter':
      case ' ':
        onSelect(types[index]);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  // Stable handlers keep the memoised rows from re-rendering on every focus move.
  const keyDownRef = React.useRef(onKeyDown);
  keyDownRef.current = onKeyDown;
  const rowKeyDown = React.useCallback(
    (event: React.KeyboardEvent, index: number) =>
      keyDownRef.current(event, index),
    []
  );

  const catalogRef = React.useRef<HTMLDivElement>(null);
  const shownColumns = columnsForWidth(useWidth(catalogRef));
  const cols = sortColumns(trans);
  const header = (col: IColumn): JSX.Element => (
    <button
      key={col.key}
      type="button"
      className={C.sortButton}
      data-sort={col.key}
      title={
        col.title
          ? trans.__('%1 — click to sort', col.title)
          : trans.__('Click to sort')
      }
      onClick={() => onSort(col.key)}
    >
      {col.label}
      <span aria-hidden="true" className={CSS.Compute.sortMark}>
        {sort.key === col.key ? (sort.order === 'asc' ? '▲' : '▼') : ''}
      </span>
    </button>
  );
  return (
    <div className={CSS.Compute.catalog} ref={catalogRef}>
      <div className={C.tableWrap} aria-busy={props.busy ?? false}>
        <table
          className={C.table}
          role="grid"
          aria-readonly="true"
          aria-rowcount={types.length + 1}
          aria-colcount={shownColumns.length}
          aria-label={trans.__('Instance types')}
          data-columns={shownColumns.join(' ')}
        >
          <thead>
            <tr aria-rowindex={1}>
              {shownColumns.map(key =>
                key === 'summary' ? (
                  <th
                    key={key}
                    scope="col"
                    data-col={key}
                    aria-sort={summarySort(sort)}
                    className={CSS.Compute.summaryHead}
                  >
                    {SUMMARY_KEYS.map(k => header(cols[k]))}
                  </th>
                ) : (
                  <th
                    key={key}
                    scope="col"
                    data-col={key}
                    aria-sort={ariaSort(sort, key)}
                    className={cols[key].numeric ? 'jp-mod-numeric' : undefined}
                  >
                    {header(cols[key])}
                  </th>
                )
              )}
            </tr>
          </thead>
          <tbody ref={bodyRef}>
            {visible.map((type, index) => (
              <Row
                key={type.name}
                type={type}
                index={index}
                columns={shownColumns}
                selected={type.name === selected}
                tabStop={type.name === tabStop}
                onSelect={onSelect}
                onFocus={setFocusName}
                onKeyDown={rowKeyDown}
                trans={trans}
              />
            ))}
          </tbody>
        </table>
      </div>
      {shown < types.length && (
        <button
          type="button"
          className={`${C.more} jp-Button jp-mod-styled`}
          onClick={() => setLimit(shown + PAGE_SIZE * 2)}
        >
          {trans.__(
            'Show %1 more (%2 of %3 shown)',
            Math.min(PAGE_SIZE * 2, types.length - shown),
            formatNumber(shown),
            formatNumber(types.length)
          )}
        </button>
      )}
    </div>
  );
}

interface IRowProps {
  type: IInstanceType;
  index: number;
  columns: readonly ColumnKey[];
  selected: boolean;
  tabStop: boolean;
  onSelect: (type: IInstanceType) => void;
  onFocus: (name: string) => void;
  onKeyDown: (event: React.KeyboardEvent, index: number) => void;
  trans: TranslationBundle;
}

function RowView(props: IRowProps): JSX.Element {
  const { type, index, columns, selected, tabStop, onSelect, trans } = props;
  const classes = [C.row];
  if (selected) {
    classes.push('jp-mod-selected');
  }
  if (!type.allowed) {
    classes.push('jp-mod-disabled');
  }
  const reason = type.allowed
    ? undefined
    : trans.__(
        'Not allowed: %1',
        type.reason ?? trans.__('outside your limits')
      );
  const details = hiddenDetails(type, columns, trans);
  const last = columns[columns.length - 1];
  return (
    <>
      <tr
        className={classes.join(' ')}
        data-type={type.name}
        aria-rowindex={index + 2}
        aria-selected={selected}
        aria-disabled={!type.allowed || undefined}
        tabIndex={tabStop ? 0 : -1}
        title={reason}
        // Focus without the browser's scroll-into-view, which could also
        // scroll the table sideways under the pointer.
        onMouseDown={event => event.preventDefault()}
        onClick={event => {
          event.currentTarget.focus({ preventScroll: true });
          onSelect(type);
        }}
        onFocus={() => props.onFocus(type.name)}
        onKeyDown={event => props.onKeyDown(event, index)}
      >
        {columns.map(key => (
          <td
            key={key}
            data-col={key}
            className={cellClass(key)}
            title={
              key === 'gpu' && type.gpu_count > 0 ? formatGpu(type) : undefined
            }
          >
            {cell(type, key, trans)}
            {key === last && details.length > 0 && (
              // What the hidden columns say, for screen readers on every row;
              // the eye gets it in the details line of the selected row.
              <span className={CSS.Compute.srOnly}>
                {`, ${details.join(', ')}`}
              </span>
            )}
          </td>
        ))}
      </tr>
      {selected && details.length > 0 && (
        <tr className={CSS.Compute.details} aria-hidden="true">
          <td colSpan={columns.length}>{details.join(' · ')}</td>
        </tr>
      )}
    </>
  );
}

/** The summary header's `aria-sort`: the direction when one of its fields sorts. */
function summarySort(sort: ISort): 'ascending' | 'descending' | 'none' {
  if (!SUMMARY_KEYS.includes(sort.key)) {
    return 'none';
  }
  return sort.order === 'asc' ? 'ascending' : 'descending';
}

/** One type; memoised because sorting and filtering re-render the table often. */
const Row = React.memo(RowView);

/**
 * Scroll the table's own box vertically so `row` shows below the sticky
 * header; unlike `scrollIntoView`, neither the sidebar nor the columns move.
 */
function scrollRowIntoView(row: HTMLElement): void {
  const wrap = row.closest<HTMLElement>(`.${C.tableWrap}`);
  const head = wrap?.querySelector('thead');
  if (!wrap || !head) {
    return;
  }
  const box = wrap.getBoundingClientRect();
  const top = box.top + head.getBoundingClientRect().height;
  const rect = row.getBoundingClientRect();
  // The selected row's details line comes into view with it.
  const next = row.nextElementSibling;
  const bottom = next?.classList.contains(CSS.Compute.details)
    ? next.getBoundingClientRect().bottom
    : rect.bottom;
  if (rect.top < top) {
    wrap.scrollTop -= top - rect.top;
  } else if (bottom > box.bottom) {
    wrap.scrollTop += Math.min(bottom - box.bottom, rect.top - top);
  }
}

/** `CSS.escape` where the browser has it (jsdom does not); type names are plain anyway. */
function cssEscape(value: string): string {
  return typeof window.CSS?.escape === 'function'
    ? window.CSS.escape(value)
    : value.replace(/["\\]/g, '\\$&');
}
