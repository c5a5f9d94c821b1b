/**
 * Which listed rows are selected, the way file browsers do it: a click selects
 * one, Ctrl/Cmd+click toggles one, Shift+click selects the range from the
 * anchor (the last row clicked without Shift), Ctrl/Cmd+A selects every row.
 *
 * A selection holds keys, so it survives new pages and filtering; what it acts
 * on is always {@link selectedRows}: the selected keys among the rows shown.
 */
import type { S3Row } from './model';

/** Selected keys and the anchor of Shift ranges. */
export interface ISelection {
  keys: ReadonlySet<string>;
  /** Where a Shift range starts; null before any row was picked. */
  anchor: string | null;
}

/** Nothing selected. */
export const NO_SELECTION: ISelection = { keys: new Set(), anchor: null };

/** Modifier keys of a click or key press. */
export interface IModifiers {
  /** Shift: extend a range from the anchor. */
  shift: boolean;
  /** Ctrl (Cmd on macOS): toggle one row, or add a range to the selection. */
  toggle: boolean;
}

/** Only `key`, which becomes the anchor. */
export function selectOnly(key: string): ISelection {
  return { keys: new Set([key]), anchor: key };
}

/** `key` added or removed; it becomes the anchor. */
export function toggleKey(selection: ISelection, key: string): ISelection {
  const keys = new Set(selection.keys);
  if (!keys.delete(key)) {
    keys.add(key);
  }
  return { keys, anchor: key };
}

/**
 * The rows from the anchor to `key` (in `rows` order); with `add`, on top of
 * what was selected. Without an anchor shown, the range starts at `key`.
 */
export function extendTo(
  selection: ISelection,
  rows: readonly S3Row[],
  key: string,
  add = false
): ISelection {
  const to = rows.findIndex(row => row.key === key);
  if (to < 0) {
    return selection;
  }
  const anchorIndex =
    selection.anchor === null
      ? -1
      : rows.findIndex(row => row.key === selection.anchor);
  const from = anchorIndex < 0 ? to : anchorIndex;
  const keys = new Set(add ? selection.keys : []);
  for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
    keys.add(rows[i].key);
  }
  return { keys, anchor: rows[from].key };
}

/** Every row of `rows`; the anchor stays. */
export function selectAll(
  selection: ISelection,
  rows: readonly S3Row[]
): ISelection {
  return {
    keys: new Set(rows.map(row => row.key)),
    anchor: selection.anchor ?? rows[0]?.key ?? null
  };
}

/** What a click (or an arrow key) on `key` with `modifiers` selects. */
export function pick(
  selection: ISelection,
  rows: readonly S3Row[],
  key: string,
  modifiers: IModifiers
): ISelection {
  if (modifiers.shift) {
    return extendTo(selection, rows, key, modifiers.toggle);
  }
  if (modifiers.toggle) {
    return toggleKey(selection, key);
  }
  return selectOnly(key);
}

/** The selected rows among `rows`, in their order. */
export function selectedRows(
  rows: readonly S3Row[],
  selection: ISelection
): S3Row[] {
  if (selection.keys.size === 0) {
    return [];
  }
  return rows.filter(row => selection.keys.has(row.key));
}

/**
 * The rows an action from a row acts on (its menu, Delete, dragging it): the
 * selection when the row is part of it, else the row alone.
 */
export function menuTargets(
  row: S3Row,
  rows: readonly S3Row[],
  selection: ISelection
): S3Row[] {
  return selection.keys.has(row.key) ? selectedRows(rows, selection) : [row];
}
