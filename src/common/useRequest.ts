/**
 * A React hook for a request that follows what the user types: it waits until
 * the input settles, cancels the answer nobody wants any more, and keeps the
 * last good answer on screen while the next one loads.
 */
import * as React from 'react';

import type { IProblem } from '../api';
import { toProblem } from './problem';

/** What a {@link useRequest} caller renders. */
export interface IRequestState<T> {
  /** The latest successful answer; kept while a newer request runs. */
  data: T | null;
  /** The latest failure; cleared by the next success. */
  error: IProblem | null;
  /** A request is waiting or in flight. */
  busy: boolean;
  /** Send the current request again, now. */
  retry: () => void;
}

/**
 * Run `request` whenever `key` changes, `delayMs` after the last change.
 *
 * @param request builds the promise; `null` means "nothing to ask" (e.g. the
 *   form is invalid), which cancels any pending request and keeps the last data
 * @param key identifies the request; a new key supersedes and aborts the old one
 * @param delayMs debounce; 0 sends at once
 */
export function useRequest<T>(
  request: ((signal: AbortSignal) => Promise<T>) | null,
  key: string,
  delayMs: number
): IRequestState<T> {
  const [data, setData] = React.useState<T | null>(null);
  const [error, setError] = React.useState<IProblem | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [attempt, setAttempt] = React.useState(0);
  // The latest closure, so a re-render with the same key does not refetch.
  const requestRef = React.useRef(request);
  requestRef.current = request;
  const hasRequest = request !== null;

  React.useEffect(() => {
    const send = requestRef.current;
    if (!send) {
      setBusy(false);
      return;
    }
    const controller = new AbortController();
    setBusy(true);
    const run = (): void => {
      send(controller.signal).then(
        value => {
          if (!controller.signal.aborted) {
            setData(value);
            setError(null);
            setBusy(false);
          }
        },
        reason => {
          if (!controller.signal.aborted) {
            setError(toProblem(reason));
            setBusy(false);
          }
        }
      );
    };
    const timer = delayMs > 0 ? window.setTimeout(run, delayMs) : null;
    if (timer === null) {
      run();
    }
    return () => {
      if (timer !== null) {
        window.clearTimeout(timer);
      }
      controller.abort();
    };
    // delayMs is read when the key changes; a new delay alone is no reason to refetch.
  }, [key, attempt, hasRequest]);

  const retry = React.useCallback(() => setAttempt(n => n + 1), []);
  return { data, error, busy, retry };
}
