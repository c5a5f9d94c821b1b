/**
 * The catalog table: sortable headers, focusable rows, and a "show more"
 * button so a catalog of 1,400 types never renders all at once.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IInstanceType } from '../api';
import { CSS } from '../tokens';
import {
  ariaSort,
  formatGpu,
  formatNumber,
  formatRate,
  ISort,
  SortKey
} from './model';

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

function columns(trans: TranslationBundle): IColumn[] {
  return [
    { key: 'name', label: trans.__('Type'), title: '', numeric: false },
    {
      key: 'vcpu',
      label: trans.__('vCPU'),
      title: trans.__('Virtual CPUs'),
      numeric: true
    },
    {
      key: 'memory',
      label: trans.__('GiB'),
      title: trans.__('Memory (GiB)'),
      numeric: true
    },
    {
      key: 'gpu',
      label: trans.__('GPU'),
      title: trans.__('GPUs: count × model (memory per GPU)'),
      numeric: false
    },
    {
      key: 'price',
      label: trans.__('$/h'),
      title: trans.__('On-demand price per hour'),
      numeric: true
    },
    {
      key: 'price_per_vcpu',
      label: trans.__('$/vCPU-h'),
      title: trans.__('Price per vCPU per hour'),
      numeric: true
    },
    {
      key: 'price_per_gib',
      label: trans.__('$/GiB-h'),
      title: trans.__('Price per GiB of memory per hour'),
      numeric: true
    }
  ];
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

  const cols = columns(trans);
  return (
    <div className="jp-ucdh-Compute-catalog">
      <div className={C.tableWrap} aria-busy={props.busy ?? false}>
        <table
          className={C.table}
          role="grid"
          aria-readonly="true"
          aria-rowcount={types.length + 1}
          aria-label={trans.__('Instance types')}
        >
          <thead>
            <tr aria-rowindex={1}>
              {cols.map(col => (
                <th
                  key={col.key}
                  scope="col"
                  aria-sort={ariaSort(sort, col.key)}
                  className={col.numeric ? 'jp-mod-numeric' : undefined}
                >
                  <button
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
                    <span
                      aria-hidden="true"
                      className="jp-ucdh-Compute-sortMark"
                    >
                      {sort.key === col.key
                        ? sort.order === 'asc'
                          ? '▲'
                          : '▼'
                        : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody ref={bodyRef}>
            {visible.map((type, index) => (
              <Row
                key={type.name}
                type={type}
                index={index}
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
  selected: boolean;
  tabStop: boolean;
  onSelect: (type: IInstanceType) => void;
  onFocus: (name: string) => void;
  onKeyDown: (event: React.KeyboardEvent, index: number) => void;
  trans: TranslationBundle;
}

function RowView(props: IRowProps): JSX.Element {
  const { type, index, selected, tabStop, onSelect, trans } = props;
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
  return (
    <tr
      className={classes.join(' ')}
      data-type={type.name}
      aria-rowindex={index + 2}
      aria-selected={selected}
      aria-disabled={!type.allowed || undefined}
      tabIndex={tabStop ? 0 : -1}
      title={reason}
      // Focus without the browser's scroll-into-view, which would also
      // scroll the wide table sideways under the pointer.
      onMouseDown={event => event.preventDefault()}
      onClick={event => {
        event.currentTarget.focus({ preventScroll: true });
        onSelect(type);
      }}
      onFocus={() => props.onFocus(type.name)}
      onKeyDown={event => props.onKeyDown(event, index)}
    >
      <td className="jp-ucdh-Compute-name">
        {type.name}
        {type.burstable && (
          <span
            className="jp-ucdh-Compute-badge"
            title={trans.__(
              'Burstable: full CPU speed only in short bursts; fine for light or interactive work'
            )}
          >
            {trans.__('burst')}
          </span>
        )}
      </td>
      <td className="jp-mod-numeric">{type.vcpu}</td>
      <td className="jp-mod-numeric">{formatNumber(type.memory_gib)}</td>
      <td title={type.gpu_count > 0 ? formatGpu(type) : undefined}>
        {formatGpu(type, true)}
      </td>
      <td className="jp-mod-numeric">{formatRate(type.price_per_hour)}</td>
      <td className="jp-mod-numeric">{formatRate(type.price_per_vcpu_hour)}</td>
      <td className="jp-mod-numeric">{formatRate(type.price_per_gib_hour)}</td>
    </tr>
  );
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
  if (rect.top < top) {
    wrap.scrollTop -= top - rect.top;
  } else if (rect.bottom > box.bottom) {
    wrap.scrollTop += rect.bottom - box.bottom;
  }
}

/** `CSS.escape` where the browser has it (jsdom does not); type names are plain anyway. */
function cssEscape(value: string): string {
  return typeof window.CSS?.escape === 'function'
    ? window.CSS.escape(value)
    : value.replace(/["\\]/g, '\\$&');
}
