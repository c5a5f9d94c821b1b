/**
 * A React hook on the shared {@link StatusModel}'s configuration, for forms
 * that need `GET config` without asking the server again.
 */
import * as React from 'react';

import type { IConfig } from './api';
import type { StatusModel } from './model';

/**
 * The configuration of the shared status model, asked at most once per page
 * (a failed answer is asked again by the next reader). `settled` once the
 * server answered either way: which backends exist decides the form's first
 * state, and a failure means EC2 only.
 */
export function useConfig(status: StatusModel): {
  data: IConfig | null;
  settled: boolean;
} {
  const [state, setState] = React.useState(() => ({
    data: status.config,
    settled: status.config !== null
  }));
  React.useEffect(() => {
    let live = true;
    void status.loadConfig().then(data => {
      if (live) {
        setState({ data, settled: true });
      }
    });
    return () => {
      live = false;
    };
  }, [status]);
  return state;
}
