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
import { StatusModel, StatusState } from '../status/model';
import { Hint } from '../common/hint';
import { RefreshButton } from '../common/refreshbutton';
import { LazyReactWidget } from '../common/lazy';
import { CSS } from '../tokens';
import { MachineLine } from './machineline';
import { principalLabel } from './principal';

const C = CSS.StatusHeader;

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
      <div className={CSS.StatusHeader.bar}>
        <h2 className={CSS.StatusHeader.title}>{trans.__('AWS')}</h2>
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
          <p className={CSS.StatusHeader.packages}>
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
    <div className={CSS.StatusHeader.databricks}>
      <p className={CSS.StatusHeader.databricksIdentity}>
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
      <dd className={CSS.StatusHeader.principal}>
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
      className={`${CSS.StatusHeader.copyArn} jp-Button jp-mod-minimal`}
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
 * The status header widget: shows the shared {@link StatusModel}, which it
 * watches while on screen (the model asks and polls only then).
 */
export class StatusHeader extends LazyReactWidget {
  /** Create the header; it stays idle until it is first shown. */
  constructor(options: StatusHeader.IOptions) {
    super();
    this.addClass(C.root);
    this.model = options.model;
    this._trans = options.trans;
    this.model.changed.connect(this.update, this);
  }

  /** The status the header shows. */
  readonly model: StatusModel;

  /** What the header currently shows. */
  get state(): StatusState {
    return this.model.state;
  }

  /** Seconds between automatic refreshes while visible; 0 turns them off. */
  get refreshIntervalSeconds(): number {
    return this.model.statusIntervalSeconds;
  }
  set refreshIntervalSeconds(seconds: number) {
    this.model.statusIntervalSeconds = seconds;
  }

  /** Milliseconds between workspace refreshes while visible; 0 turns them off. */
  get workspaceIntervalMs(): number {
    return this.model.workspaceIntervalMs;
  }
  set workspaceIntervalMs(ms: number) {
    this.model.workspaceIntervalMs = ms;
  }

  /** Fetch the status again; a newer call supersedes an older one. */
  refresh(): Promise<void> {
    return this.model.refresh();
  }

  /** Ask again for the machine and its idle time only, and show it. */
  refreshWorkspace(): Promise<void> {
    return this.model.refreshWorkspace();
  }

  /** Stop watching the model (its polls stop, its request is cancelled). */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.changed.disconnect(this.update, this);
    this.model.watch(false);
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <StatusView
        state={this.model.state}
        busy={this.model.busy}
        trans={this._trans}
        onRefresh={() => void this.refresh()}
      />
    );
  }

  /** Visible again: fresh status, and the polls resume. */
  protected onShown(): void {
    this.model.watch(true);
  }

  /** Out of sight: nobody reads the answer, so stop asking. */
  protected onHidden(): void {
    this.model.watch(false);
  }

  private _trans: TranslationBundle;
}

/** Statics of {@link StatusHeader}. */
export namespace StatusHeader {
  /** Options to build a {@link StatusHeader}. */
  export interface IOptions {
    /** The shared status; the header watches it while on screen. */
    model: StatusModel;
    trans: TranslationBundle;
  }
}
