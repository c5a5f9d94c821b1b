/**
 * The windowing of the object list: which rows to put in the DOM for a scroll
 * position, where to scroll to show a row, and when the next page is due.
 *
 * A folder can hold 100,000 keys; only the rows on screen (plus a margin) are
 * rendered, each at `index × ROW_HEIGHT` inside a list as tall as all of them.
 */
import * as React from 'react';

/** Height of one row of the object list, in px (every row has exactly this). */
export const ROW_HEIGHT = 24;

/** Rows rendered above and below the visible ones, so fast scrolling shows no gap. */
export const OVERSCAN = 10;

/** Rows before the end of the loaded ones at which the next page is asked for. */
export const LOAD_AHEAD_ROWS = 50;

/** The viewport assumed before the list is laid out (hidden section, jsdom). */
export const FALLBACK_VIEWPORT = 600;

/** A range of row indices, `start` included, `end` excluded. */
export interface IRowWindow {
  start: number;
  end: number;
}

/**
 * The rows to render when the list is scrolled to `scrollTop` in a viewport
 * `viewportHeight` tall, with `overscan` rows on both sides.
 *
 * A scroll position past the end (the list just got shorter, e.g. filtered)
 * counts as the end; an unknown height (0) as {@link FALLBACK_VIEWPORT}.
 */
export function visibleWindow(
  count: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight = ROW_HEIGHT,
  overscan = OVERSCAN
): IRowWindow {
  if (count <= 0) {
    return { start: 0, end: 0 };
  }
  const height = viewportHeight > 0 ? viewportHeight : FALLBACK_VIEWPORT;
  const maxTop = Math.max(0, count * rowHeight - height);
  const top = Math.min(Math.max(0, scrollTop), maxTop);
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + height) / rowHeight);
  return {
    start: Math.max(0, first - overscan),
    end: Math.min(count, last + overscan)
  };
}

/**
 * The scroll position that shows row `index` whole, moving as little as
 * possible: unchanged when it is already visible.
 */
export function revealScrollTop(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight = ROW_HEIGHT
): number {
  const height = viewportHeight > 0 ? viewportHeight : FALLBACK_VIEWPORT;
  const top = index * rowHeight;
  if (top < scrollTop) {
    return top;
  }
  if (top + rowHeight > scrollTop + height) {
    return top + rowHeight - height;
  }
  return scrollTop;
}

/** Rows that fit in a viewport: the step of Page Up and Page Down. */
export function rowsPerPage(
  viewportHeight: number,
  rowHeight = ROW_HEIGHT
): number {
  const height = viewportHeight > 0 ? viewportHeight : FALLBACK_VIEWPORT;
  return Math.max(1, Math.floor(height / rowHeight) - 1);
}

/**
 * Whether the next page should be asked for: the window reaches the last
 * `ahead` loaded rows. Never for a viewport of unknown height: a hidden
 * section must not page through a whole folder by itself.
 */
export function nearEnd(
  window: IRowWindow,
  count: number,
  viewportHeight: number,
  ahead = LOAD_AHEAD_ROWS
): boolean {
  return viewportHeight > 0 && window.end >= count - ahead;
}

/** The indices to render: the window, plus `keep` (the focused row) if outside it. */
export function renderedIndices(window: IRowWindow, keep: number): number[] {
  const indices: number[] = [];
  if (keep >= 0 && keep < window.start) {
    indices.push(keep);
  }
  for (let index = window.start; index < window.end; index++) {
    indices.push(index);
  }
  if (keep >= window.end) {
    indices.push(keep);
  }
  return indices;
}

/** Scroll position and height of a scrolling element, as React state. */
export interface IViewport {
  scrollTop: number;
  height: number;
}

/**
 * Follow the scroll position and height of `ref` (on scroll and on resize).
 *
 * @returns the viewport, the scroll handler to attach, and `scrollTo`
 */
export function useViewport(ref: React.RefObject<HTMLElement>): {
  viewport: IViewport;
  onScroll: () => void;
  scrollTo: (top: number) => void;
} {
  const [viewport, setViewport] = React.useState<IViewport>({
    scrollTop: 0,
    height: 0
  });
  const onScroll = React.useCallback(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    const next = { scrollTop: node.scrollTop, height: node.clientHeight };
    setViewport(current =>
      current.scrollTop === next.scrollTop && current.height === next.height
        ? current
        : next
    );
  }, [ref]);
  const scrollTo = React.useCallback(
    (top: number) => {
      const node = ref.current;
      if (node && node.scrollTop !== top) {
        node.scrollTop = top;
        // Render the new window now rather than one frame later, on the event.
        onScroll();
      }
    },
    [ref, onScroll]
  );
  React.useLayoutEffect(() => {
    onScroll();
    const node = ref.current;
    if (!node || typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(() => onScroll());
    observer.observe(node);
    return () => observer.disconnect();
  }, [ref, onScroll]);
  return { viewport, onScroll, scrollTo };
}
