/**
 * Long lists shown in part: the first rows at once, the rest on request, so a
 * table of a thousand rows stays quick to render and to read.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

/** How many rows a long list shows until the user asks for all. */
export const FIRST_ROWS = 100;

/**
 * The items to render: the first `limit` until {@link ShowAll} is clicked.
 * Returns the shown items and the props of the button.
 */
export function useShowAll<T>(
  items: readonly T[],
  limit = FIRST_ROWS
): [readonly T[], { hidden: number; onShowAll: () => void }] {
  const [all, setAll] = React.useState(false);
  const shown = all ? items : items.slice(0, limit);
  return [
    shown,
    { hidden: items.length - shown.length, onShowAll: () => setAll(true) }
  ];
}

/** "Show all 1,000": nothing when every item is shown. */
export function ShowAll(props: {
  hidden: number;
  onShowAll: () => void;
  className: string;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { hidden, trans } = props;
  if (hidden <= 0) {
    return null;
  }
  return (
    <button
      type="button"
      className={`${props.className} jp-Button jp-mod-minimal`}
      onClick={props.onShowAll}
    >
      {trans._n('Show %1 more row', 'Show %1 more rows', hidden)}
    </button>
  );
}
