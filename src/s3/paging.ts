/**
 * A React hook that loads a folder one page at a time: the first page when the
 * folder (or its generation) changes, the next one when asked.
 */
import * as React from 'react';

import { useUcdhClient } from '../client';
import type { IProblem } from '../api';
import { toProblem } from '../common/problem';
import {
  EMPTY_PAGING,
  IPaging,
  pageFailed,
  pageReceived,
  pageRequested
} from './model';

/** The paged listing of one folder. */
export function usePaging(
  bucket: string,
  prefix: string,
  generation: number,
  pageSize: number
): { paging: IPaging; loadMore: () => void } {
  const client = useUcdhClient();
  const [paging, setPaging] = React.useState<IPaging>(EMPTY_PAGING);
  // The state the next request starts from, ahead of React's re-render, so
  // two scroll events cannot ask for the same page twice.
  const current = React.useRef(paging);
  const controller = React.useRef<AbortController | null>(null);

  const apply = (change: (state: IPaging) => IPaging): void => {
    current.current = change(current.current);
    setPaging(current.current);
  };

  const loadMore = React.useCallback(() => {
    const signal = controller.current?.signal;
    const state = current.current;
    if (!signal || signal.aborted || state.complete || state.loading) {
      return;
    }
    apply(pageRequested);
    client.s3
      .listFolder(bucket, prefix, state.cursor, pageSize, signal)
      .then(page => {
        if (!signal.aborted) {
          apply(s => pageReceived(s, page));
        }
      })
      .catch(reason => {
        if (!signal.aborted) {
          const problem: IProblem = toProblem(reason);
          apply(s => pageFailed(s, problem));
        }
      });
  }, [bucket, prefix, pageSize, client]);

  React.useEffect(() => {
    controller.current = new AbortController();
    apply(() => EMPTY_PAGING);
    loadMore();
    return () => controller.current?.abort();
  }, [loadMore, generation]);

  return { paging, loadMore };
}
