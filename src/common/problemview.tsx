/**
 * A failed request as the compute views show it: the server's message, its
 * hint (commands in <code>) and a Retry button.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IProblem } from '../api';
import { Hint } from './hint';
import { CSS } from '../tokens';

/** Props of {@link ProblemView}. */
export interface IProblemViewProps {
  problem: IProblem;
  busy: boolean;
  /** Omitted when retrying cannot help (the input itself is wrong). */
  onRetry?: () => void;
  trans: TranslationBundle;
}

/** Message, hint and Retry for a failed request. */
export function ProblemView(props: IProblemViewProps): JSX.Element {
  const { problem, busy, onRetry, trans } = props;
  return (
    <div className={CSS.Compute.problem} role="alert">
      <p className={CSS.Compute.message}>{problem.message}</p>
      <Hint text={problem.hint} />
      {onRetry && (
        <button
          type="button"
          className={`${CSS.Compute.retry} jp-Button jp-mod-styled jp-mod-accept`}
          onClick={onRetry}
          disabled={busy}
        >
          {busy ? trans.__('Retrying…') : trans.__('Retry')}
        </button>
      )}
    </div>
  );
}
