/**
 * The rows of a folder as a windowed, multi-select listbox: only the rows in
 * view (plus a margin) are in the DOM, however many pages are loaded; the
 * keyboard moves through all of them, selects, opens and deletes.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { CSS } from '../tokens';
import type { S3ActionHandler } from './actions';
import type { S3Row } from './model';
import { setSnippetData } from './notebookdrop';
import { RowView } from './rows';
import { readSnippet } from './snippets';
import {
  extendTo,
  ISelection,
  menuTargets,
  NO_SELECTION,
  pick,
  selectAll,
  selectOnly,
  toggleKey
} from './selection';
import {
  nearEnd,
  renderedIndices,
  revealScrollTop,
  ROW_HEIGHT,
  rowsPerPage,
  useViewport,
  visibleWindow
} from './virtual';

const C = CSS.S3;

/** Props of {@link ObjectList}. */
export interface IObjectListProps {
  bucket: string;
  /** The rows shown (filtered), in order. */
  rows: S3Row[];
  /** Accessible name of the list. */
  label: string;
  selection: ISelection;
  /** Changes the selection (from the latest one: events can come faster than renders). */
  onSelect: React.Dispatch<React.SetStateAction<ISelection>>;
  onAction: S3ActionHandler;
  /** Open the actions menu of `rows` (one row, or the selection) at x, y. */
  onMenu: (rows: S3Row[], x: number, y: number) => void;
  /** Asks for the next page; null while none can be asked for. */
  onNearEnd: (() => void) | null;
  trans: TranslationBundle;
  /** Below the rows, inside the scrolling area (the Load more button). */
  children?: React.ReactNode;
}

/** The scrolling, windowed list of a folder's rows. */
export function ObjectList(props: IObjectListProps): JSX.Element {
  const { rows, selection, onSelect, onAction, onNearEnd, trans } = props;
  const scrollRef = React.useRef<HTMLDivElement>(null);
  const listRef = React.useRef<HTMLUListElement>(null);
  const { viewport, onScroll, scrollTo } = useViewport(scrollRef);
  const [activeKey, setActiveKey] = React.useState<string | null>(null);
  // The row to focus once it is rendered (it may be outside the window now).
  const focusKey = React.useRef<string | null>(null);

  const indexOf = React.useMemo(
    () => new Map(rows.map((row, index) => [row.key, index])),
    [rows]
  );
  const activeIndex = activeKey === null ? -1 : (indexOf.get(activeKey) ?? -1);
  const visible = visibleWindow(
    rows.length,
    viewport.scrollTop,
    viewport.height
  );
  // The focused row stays in the DOM when scrolled away, so focus is not lost.
  const indices = renderedIndices(visible, activeIndex);
  const tabbable = activeIndex >= 0 ? activeIndex : visible.start;

  // Row callbacks read the latest props, so they stay the same function and
  // the memoised rows do not re-render on every selection change.
  const latest = React.useRef(props);
  latest.current = props;
  const onPick = React.useCallback((row: S3Row, event: React.MouseEvent) => {
    const { rows, onSelect } = latest.current;
    const modifiers = {
      shift: event.shiftKey,
      toggle: event.ctrlKey || event.metaKey
    };
    onSelect(selection => pick(selection, rows, row.key, modifiers));
  }, []);
  const onDragRow = React.useCallback(
    (row: S3Row, dataTransfer: DataTransfer) => {
      const { bucket, rows, selection } = latest.current;
      // A selected row carries the whole selection, as in a file browser;
      // folders carry nothing (they are not files pandas can read).
      const keys = menuTargets(row, rows, selection)
        .filter(target => target.kind === 'object')
        .map(target => target.key);
      // A cell editor inserts the snippet at the drop point; elsewhere on a
      // notebook it becomes a new cell (see notebookdrop.ts).
      setSnippetData(dataTransfer, readSnippet(bucket, keys));
    },
    []
  );
  const onRowMenu = React.useCallback((row: S3Row, x: number, y: number) => {
    const { rows, selection, onSelect, onMenu } = latest.current;
    if (!selection.keys.has(row.key)) {
      onSelect(selectOnly(row.key));
    }
    onMenu(menuTargets(row, rows, selection), x, y);
  }, []);

  React.useLayoutEffect(() => {
    const key = focusKey.current;
    if (key === null) {
      return;
    }
    const node = Array.from(listRef.current?.children ?? []).find(
      child => (child as HTMLElement).dataset.key === key
    ) as HTMLElement | undefined;
    if (node) {
      focusKey.current = null;
      node.focus({ preventScroll: true });
    }
  });

  React.useEffect(() => {
    if (onNearEnd && nearEnd(visible, rows.length, viewport.height)) {
      onNearEnd();
    }
  }, [onNearEnd, visible.end, rows.length, viewport.height]);

  /** Move the focus to row `index`, scrolling as little as needed to show it. */
  const moveFocus = (index: number): void => {
    const key = rows[index].key;
    focusKey.current = key;
    setActiveKey(key);
    const node = scrollRef.current;
    if (node) {
      scrollTo(revealScrollTop(index, node.scrollTop, node.clientHeight));
    }
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLUListElement>): void => {
    const item = (event.target as HTMLElement).closest<HTMLElement>(
      '[data-index]'
    );
    const index = Number(item?.dataset.index ?? -1);
    const row = rows[index];
    if (!item || !row) {
      return;
    }
    const toggle = event.ctrlKey || event.metaKey;
    const page = rowsPerPage(scrollRef.current?.clientHeight ?? 0);
    let to: number;
    switch (event.key) {
      case 'ArrowDown':
        to = index + 1;
        break;
      case 'ArrowUp':
        to = index - 1;
        break;
      case 'PageDown':
        to = index + page;
        break;
      case 'PageUp':
        to = index - page;
        break;
      case 'Home':
        to = 0;
        break;
      case 'End':
        to = rows.length - 1;
        break;
      case 'Enter':
        event.preventDefault();
        onAction(row.kind === 'folder' ? 'open' : 'properties', [row]);
        return;
      case ' ':
        event.preventDefault();
        onSelect(current =>
          event.shiftKey
            ? extendTo(current, rows, row.key, toggle)
            : toggleKey(current, row.key)
        );
        return;
      case 'Delete':
        event.preventDefault();
        onAction('delete', menuTargets(row, rows, selection));
        return;
      case 'Escape':
        if (selection.keys.size > 0) {
          event.preventDefault();
          event.stopPropagation();
          onSelect(NO_SELECTION);
        }
        return;
      case 'ContextMenu':
      case 'F10':
        if (event.key === 'ContextMenu' || event.shiftKey) {
          event.preventDefault();
          const box = item.getBoundingClientRect();
          onRowMenu(row, box.left + 24, box.bottom);
        }
        return;
      default:
        if (toggle && event.key.toLowerCase() === 'a') {
          event.preventDefault();
          onSelect(current => selectAll(current, rows));
        }
        return;
    }
    event.preventDefault();
    to = Math.max(0, Math.min(rows.length - 1, to));
    if (to === index) {
      return;
    }
    const key = rows[to].key;
    if (event.shiftKey) {
      // A range grows from the anchor; without one shown, from this row.
      onSelect(current =>
        extendTo(
          current.anchor !== null && indexOf.has(current.anchor)
            ? current
            : { ...current, anchor: row.key },
          rows,
          key,
          toggle
        )
      );
    } else if (!toggle) {
      // The selection follows the focus; Ctrl/Cmd+arrow moves the focus only.
      onSelect(selectOnly(key));
    }
    moveFocus(to);
  };

  return (
    <div className={CSS.S3.scroll} ref={scrollRef} onScroll={onScroll}>
      <ul
        ref={listRef}
        className={`${C.list} ${CSS.S3.window}`}
        role="listbox"
        aria-multiselectable="true"
        aria-label={props.label}
        style={{ height: rows.length * ROW_HEIGHT }}
        onKeyDown={onKeyDown}
      >
        {indices.map(index => {
          const row = rows[index];
          return (
            <RowView
              key={row.key}
              row={row}
              index={index}
              count={rows.length}
              selected={selection.keys.has(row.key)}
              tabbable={index === tabbable}
              onAction={onAction}
              onMenu={onRowMenu}
              onPick={onPick}
              onFocusRow={setActiveKey}
              onDragRow={onDragRow}
              trans={trans}
            />
          );
        })}
      </ul>
      {props.children}
    </div>
  );
}
