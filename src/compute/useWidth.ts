/**
 * The width of an element, kept current with a ResizeObserver, so a
 * component lays itself out for the box it has (a sidebar being dragged
 * wider, a dialog) rather than for the window.
 */
import * as React from 'react';

/**
 * The content width of `ref`'s element in CSS pixels, rounded down; null
 * until first measured, or where the browser has no ResizeObserver.
 */
export function useWidth(ref: React.RefObject<HTMLElement>): number | null {
  const [width, setWidth] = React.useState<number | null>(null);
  React.useLayoutEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(entries => {
      const entry = entries[entries.length - 1];
      // A hidden sidebar measures 0: keep the last real width.
      const measured = Math.floor(entry?.contentRect.width ?? 0);
      if (measured > 0) {
        setWidth(measured);
      }
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
