/**
 * What this JupyterLab itself costs: the machine it runs on with its $/h, how long
 * its kernels have been idle, and, when a large machine idles, the suggestion to run
 * the work on AWS or use a smaller space, with the reason it is made.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { CSS } from '../tokens';
import { IWorkspace } from '../status/api';
import { formatRate } from '../compute/model';

/** `$0.768/h`: a rate as the instance table writes it, so the same machine reads alike. */
export function perHour(usd: number): string {
  return `${formatRate(usd)}/h`;
}

/** `under a minute`, `45 min`, `2 h 05 min` (format.ts's duration style, to the minute). */
export function idleFor(seconds: number, trans: TranslationBundle): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) {
    return trans.__('under a minute');
  }
  if (minutes < 60) {
    return trans.__('%1 min', minutes);
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return trans.__('%1 h %2 min', hours, String(rest).padStart(2, '0'));
}

/** How busy the kernels are, in one line. */
function kernelsLine(workspace: IWorkspace, trans: TranslationBundle): string {
  const { running, busy, idle_seconds } = workspace.kernels;
  if (busy > 0) {
    return trans._n('%1 kernel busy', '%1 kernels busy', busy);
  }
  if (running === 0) {
    return trans.__('No kernel running for %1', idleFor(idle_seconds, trans));
  }
  return trans._n(
    'Kernel idle for %2',
    '%1 kernels idle for %2',
    running,
    idleFor(idle_seconds, trans)
  );
}

/** The machine line, the kernels' idle time and any suggestion. */
export function MachineLine(props: {
  workspace: IWorkspace;
  trans: TranslationBundle;
}): JSX.Element {
  const { workspace, trans } = props;
  const facts = [workspace.instance_type];
  if (workspace.vcpu !== null) {
    facts.push(trans._n('%1 vCPU', '%1 vCPUs', workspace.vcpu));
  }
  if (workspace.price_per_hour !== null) {
    facts.push(perHour(workspace.price_per_hour));
  }
  const title = workspace.price_source
    ? trans.__('%1; price: %2', workspace.where, workspace.price_source)
    : trans.__('%1; no price known for this type', workspace.where);
  return (
    <div className={CSS.StatusHeader.machine}>
      <p className={CSS.StatusHeader.machineType} title={title}>
        {trans.__('This JupyterLab: %1', facts.join(' · '))}
      </p>
      <p className={CSS.StatusHeader.idle}>{kernelsLine(workspace, trans)}</p>
      {workspace.suggestion && (
        // One line until opened: in full, message and reason took a third of
        // the sidebar and pushed the sections into a few rows each.
        <details className={CSS.StatusHeader.suggestion} role="note">
          <summary className={CSS.StatusHeader.suggestionSummary}>
            {trans.__('A large machine is idling: pay less?')}
          </summary>
          <p className={CSS.StatusHeader.suggestionText}>
            {workspace.suggestion.message}
          </p>
          <p className={CSS.StatusHeader.suggestionReason}>
            {workspace.suggestion.reason}
          </p>
        </details>
      )}
    </div>
  );
}
