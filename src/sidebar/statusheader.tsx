/**
 * The top of the sidebar: who the user is in AWS, or what is wrong and how to
 * fix it, and what this JupyterLab's own machine costs. Status is fetched when
 * the panel is shown, never at plugin activation, so a slow or unreachable AWS
 * never delays JupyterLab's start.
 */
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { copyIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IProblem } from '../api';
import { IDatabricksStatus, IStatus } from '../status/api';
import { Hint } from '../common/hint';
import { RefreshButton } from '../common/refreshbutton';
import type { UcdhClient } from '../client';
import { LazyReactWidget } from '../common/lazy';
import { toProblem } from '../common/problem';
import { CSS } from '../tokens';
import { MachineLine } from './machineline';
import { principalLabel } from './principal';

const C = CSS.StatusHeader;

/** Auto-refresh never polls AWS more often than this, whatever the setting. */
export const MIN_REFRESH_SECONDS = 10;

/**
 * How often the machine line follows the kernels' idle time while the header
 * is visible, whatever the identity refresh setting (off by default): the
 * suggestion to run elsewhere is due after minutes of idling, not at a click.
 */
export const WORKSPACE_REFRESH_MS = 60_000;

/** What the header knows; `failed` covers both a credential problem and a failed request. */
export type StatusState =
  | { kind: 'loading' }
  | { kind: 'ready'; status: IStatus }
  | { kind: 'failed'; problem: IProblem; status: IStatus | null };

/** Props of {@link StatusView}. */
export interface IStatusViewProps {
  state: StatusState;
  /** A request is in flight; earlier content stays visible meanwhile. */
  busy: boolean;
  trans: TranslationBundle;
  onRefresh: () => void;
}

/** Stateless rendering of a {@link StatusState}. */
export function StatusView(props: IStatusViewProps): JSX.Element {
  const { state, busy, trans, onRefresh } = props;
  const status = state.kind === 'loading' ? null : state.status;
  return (
    <>
      <div className="jp-ucdh-StatusHeader-bar">
        <h2 className="jp-ucdh-StatusHeader-title">{trans.__('AWS')}</h2>
        {status?.mode === 'local' && (
          <span
            className={C.mode}
            title={
              status.endpoint_url
                ? trans.__('AWS calls go to %1', status.endpoint_url)
                : undefined
            }
          >
            {trans.__('Local demo')}
          </span>
        )}
        <RefreshButton
          className={C.refresh}
          label={trans.__('Refresh AWS status')}
          onClick={onRefresh}
        />
      </div>
      <div className={C.live} aria-live="polite" aria-busy={busy}>
        {state.kind === 'loading' && (
          <p className={C.loading}>{trans.__('Checking your AWS access…')}</p>
        )}
        {state.kind === 'ready' && (
          <IdentityView status={state.status} trans={trans} />
        )}
        {state.kind === 'failed' && (
          <ProblemBlock
            problem={state.problem}
            busy={busy}
            trans={trans}
            onRetry={onRefresh}
          />
        )}
        {status?.databricks && (
          <DatabricksLine
            databricks={status.databricks}
            busy={busy}
            trans={trans}
            onRetry={onRefresh}
          />
        )}
        {status?.workspace && (
          <MachineLine workspace={status.workspace} trans={trans} />
        )}
        {status?.package_source && (
          <p className="jp-ucdh-StatusHeader-packages">
            {trans.__('Packages from: %1', status.package_source.label)}
          </p>
        )}
      </div>
    </>
  );
}

/** A problem with its fix and a Retry button. */
function ProblemBlock(props: {
  problem: IProblem;
  busy: boolean;
  trans: TranslationBundle;
  onRetry: () => void;
}): JSX.Element {
  const { problem, busy, trans, onRetry } = props;
  return (
    <div className={C.problem}>
      <p className={C.message}>{problem.message}</p>
      <Hint text={problem.hint} />
      <button
        type="button"
        className={`${C.retry} jp-Button jp-mod-styled jp-mod-accept`}
        onClick={onRetry}
      >
        {busy ? trans.__('Retrying…') : trans.__('Retry')}
      </button>
    </div>
  );
}

/** The workspace without its scheme: what a user recognises. */
function hostLabel(host: string): string {
  return host.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
}

/** Who the user is in the Databricks workspace, or what is wrong with it. */
function DatabricksLine(props: {
  databricks: IDatabricksStatus;
  busy: boolean;
  trans: TranslationBundle;
  onRetry: () => void;
}): JSX.Element {
  const { databricks, busy, trans, onRetry } = props;
  const host = hostLabel(databricks.host);
  return (
    <div className="jp-ucdh-StatusHeader-databricks">
      <p className="jp-ucdh-StatusHeader-databricksIdentity">
        {databricks.user
          ? trans.__('Databricks: %1 @ %2', databricks.user, host)
          : trans.__('Databricks: %1', host)}
      </p>
      {databricks.problem && (
        <ProblemBlock
          problem={databricks.problem}
          busy={busy}
          trans={trans}
          onRetry={onRetry}
        />
      )}
    </div>
  );
}

function IdentityView(props: {
  status: IStatus;
  trans: TranslationBundle;
}): JSX.Element {
  const { status, trans } = props;
  const unknown = trans.__('unknown');
  return (
    <dl className={C.identity}>
      <dt>{trans.__('Account')}</dt>
      <dd className={C.account}>{status.identity?.account ?? unknown}</dd>
      <dt>{trans.__('Signed in as')}</dt>
      <dd className="jp-ucdh-StatusHeader-principal">
        {status.identity ? (
          <>
            <span className={C.arn} title={status.identity.arn}>
              {principalLabel(status.identity.arn, trans)}
            </span>
            <CopyArnButton arn={status.identity.arn} trans={trans} />
          </>
        ) : (
          unknown
        )}
      </dd>
      <dt>{trans.__('Region')}</dt>
      <dd className={C.region}>{status.region ?? trans.__('not set')}</dd>
    </dl>
  );
}

/** Copies the full caller ARN, which the header shortens to role and session. */
function CopyArnButton(props: {
  arn: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { arn, trans } = props;
  const label = trans.__('Copy the full ARN');
  return (
    <button
      type="button"
      className="jp-ucdh-StatusHeader-copyArn jp-Button jp-mod-minimal"
      aria-label={label}
      title={label}
      onClick={() => {
        Clipboard.copyToSystem(arn);
        Notification.info(trans.__('Copied %1', arn), { autoClose: 3000 });
      }}
    >
      <copyIcon.react tag="span" />
    </button>
  );
}

/**
 * The status header widget: owns the request lifecycle (abort on hide,
 * optional auto-refresh while visible) and re-renders {@link StatusView}.
 */
export class StatusHeader extends LazyReactWidget {
  /** Create the header; it stays idle until it is first shown. */
  constructor(options: StatusHeader.IOptions) {
    super();
    this.addClass(C.root);
    this._client = options.client;
    this._trans = options.trans;
  }

  /** What the header currently shows. */
  get state(): StatusState {
    return this._state;
  }

  /** Seconds between automatic refreshes while visible; 0 turns them off. */
  get refreshIntervalSeconds(): number {
    return this._intervalSeconds;
  }
  set refreshIntervalSeconds(seconds: number) {
    this._intervalSeconds =
      seconds > 0 ? Math.max(seconds, MIN_REFRESH_SECONDS) : 0;
    this._stopTimer();
    if (this.isVisible) {
      this._startTimer();
    }
  }

  /** Fetch the status again; a newer call supersedes an older one. */
  async refresh(): Promise<void> {
    this._controller?.abort();
    const controller = new AbortController();
    this._controller = controller;
    this._busy = true;
    this.update();

    let next: StatusState;
    try {
      const status = await this._client.status.getStatus(controller.signal);
      next = status.problem
        ? { kind: 'failed', problem: status.problem, status }
        : { kind: 'ready', status };
    } catch (error) {
      next = { kind: 'failed', problem: toProblem(error), status: null };
    }
    if (controller !== this._controller) {
      return;
    }
    this._controller = null;
    this._busy = false;
    this._state = next;
    this.update();
  }

  /**
   * Ask again for the machine and its idle time only, and show it; a failure
   * keeps what is shown (the next identity refresh reports problems).
   */
  async refreshWorkspace(): Promise<void> {
    const state = this._state;
    if (this._controller || state.kind === 'loading' || !state.status) {
      return;
    }
    let workspace: IStatus['workspace'];
    try {
      ({ workspace } = await this._client.status.getWorkspace());
    } catch {
      return;
    }
    // A full refresh that started meanwhile has the newer answer.
    if (this._state !== state || this._controller || this.isDisposed) {
      return;
    }
    this._state = { ...state, status: { ...state.status, workspace } };
    this.update();
  }

  /** Milliseconds between {@link refreshWorkspace} calls while visible. */
  workspaceIntervalMs = WORKSPACE_REFRESH_MS;

  /** Stop timers and cancel the request in flight. */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._pause();
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <StatusView
        state={this._state}
        busy={this._busy}
        trans={this._trans}
        onRefresh={() => void this.refresh()}
      />
    );
  }

  /** Visible again: show fresh status and resume auto-refresh. */
  protected onShown(): void {
    void this.refresh();
    this._startTimer();
  }

  protected onHidden(): void {
    this._pause();
  }

  /** Out of sight: nobody reads the answer, so stop asking. */
  private _pause(): void {
    this._stopTimer();
    this._controller?.abort();
    this._controller = null;
    // No re-render: the widget is hidden or going away, and the next show refreshes.
    this._busy = false;
  }

  private _startTimer(): void {
    if (this._intervalSeconds > 0 && this._timer === null) {
      this._timer = window.setInterval(
        () => void this.refresh(),
        this._intervalSeconds * 1000
      );
    }
    if (this.workspaceIntervalMs > 0 && this._workspaceTimer === null) {
      this._workspaceTimer = window.setInterval(
        () => void this.refreshWorkspace(),
        this.workspaceIntervalMs
      );
    }
  }

  private _stopTimer(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
    if (this._workspaceTimer !== null) {
      window.clearInterval(this._workspaceTimer);
      this._workspaceTimer = null;
    }
  }

  private _client: UcdhClient;
  private _trans: TranslationBundle;
  private _state: StatusState = { kind: 'loading' };
  private _busy = false;
  private _controller: AbortController | null = null;
  private _intervalSeconds = 0;
  private _timer: number | null = null;
  private _workspaceTimer: number | null = null;
}

/** Statics of {@link StatusHeader}. */
export namespace StatusHeader {
  /** Options to build a {@link StatusHeader}. */
  export interface IOptions {
    /** The server routes. */
    client: UcdhClient;
    trans: TranslationBundle;
  }
}
