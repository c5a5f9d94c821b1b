/**
 * What the server says about this user and this server, asked once and
 * shared: who the user is in AWS (`GET status`), the machine this JupyterLab
 * runs on (`GET status/workspace`) and the administrator's configuration
 * (`GET config`). The sidebar's header, the feature switches, the run dialog
 * and "Upload to S3…" read this model instead of each asking the server.
 *
 * Nothing is fetched when the model is built (plugins build it at
 * activation). The status is asked when the header comes on screen, then
 * refreshed by two Lumino polls while it stays there: the identity every
 * `statusIntervalSeconds` (the user's setting, off by default) and the
 * machine line every minute; both stop, and any request in flight is
 * cancelled, when the header leaves the screen. The configuration is asked
 * once, by the first reader; a failed answer is asked again by the next one.
 */
import type { IDisposable } from '@lumino/disposable';
import { IPoll, Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import type { IProblem } from '../api';
import type { UcdhClient } from '../client';
import { toProblem } from '../common/problem';
import type { IConfig, IStatus } from './api';

/** Auto-refresh never polls AWS more often than this, whatever the setting. */
export const MIN_REFRESH_SECONDS = 10;

/**
 * How often the machine line follows the kernels' idle time while the header
 * is visible, whatever the identity refresh setting (off by default): the
 * suggestion to run elsewhere is due after minutes of idling, not at a click.
 */
export const WORKSPACE_REFRESH_MS = 60_000;

/** What is known of the status; `failed` covers both a credential problem and a failed request. */
export type StatusState =
  | { kind: 'loading' }
  | { kind: 'ready'; status: IStatus }
  | { kind: 'failed'; problem: IProblem; status: IStatus | null };

/** The shared status and configuration, with the polls that keep them fresh. */
export class StatusModel implements IDisposable {
  /** @param client the server routes; nothing is sent until asked */
  constructor(client: UcdhClient) {
    this.client = client;
    this._statusPoll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: frequency(Poll.NEVER),
      name: 'ucdh-jupyter:status'
    });
    this._workspacePoll = new Poll({
      auto: false,
      factory: () => this.refreshWorkspace(),
      frequency: frequency(WORKSPACE_REFRESH_MS),
      name: 'ucdh-jupyter:status-workspace'
    });
  }

  /** The client the model asks through. */
  readonly client: UcdhClient;

  /** Emitted whenever the status, its busy flag or the configuration changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** What is known of the status. */
  get state(): StatusState {
    return this._state;
  }

  /** A status request is in flight; the state shown meanwhile is the previous one. */
  get busy(): boolean {
    return this._controller !== null;
  }

  /** The configuration once the server said; null before, or when it could not. */
  get config(): IConfig | null {
    return this._config;
  }

  /** Why the last configuration request failed; null after a success. */
  get configProblem(): IProblem | null {
    return this._configProblem;
  }

  /** Seconds between automatic status refreshes while watched; 0 turns them off. */
  get statusIntervalSeconds(): number {
    return this._intervalSeconds;
  }
  set statusIntervalSeconds(seconds: number) {
    this._intervalSeconds =
      seconds > 0 ? Math.max(seconds, MIN_REFRESH_SECONDS) : 0;
    this._statusPoll.frequency = frequency(
      this._intervalSeconds > 0 ? this._intervalSeconds * 1000 : Poll.NEVER
    );
    if (this._watched) {
      this._schedule(this._statusPoll);
    }
  }

  /** Milliseconds between workspace refreshes while watched; 0 turns them off. */
  get workspaceIntervalMs(): number {
    return this._workspaceMs;
  }
  set workspaceIntervalMs(ms: number) {
    this._workspaceMs = Math.max(0, ms);
    this._workspacePoll.frequency = frequency(
      this._workspaceMs > 0 ? this._workspaceMs : Poll.NEVER
    );
    if (this._watched) {
      this._schedule(this._workspacePoll);
    }
  }

  /** Whether the model was disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Someone shows the status (the header came on screen): ask now, then keep
   * polling; `false` stops the polls and cancels the request in flight.
   */
  watch(watched: boolean): void {
    if (this._isDisposed || watched === this._watched) {
      return;
    }
    this._watched = watched;
    if (watched) {
      void this._statusPoll.start();
      this._schedule(this._workspacePoll);
      return;
    }
    void this._statusPoll.stop();
    void this._workspacePoll.stop();
    if (this._controller) {
      this._controller.abort();
      this._controller = null;
      // Nobody reads the answer; the next watch asks again.
      this._changed.emit();
    }
  }

  /** Ask for the status again; a newer call supersedes an older one. */
  async refresh(): Promise<void> {
    this._controller?.abort();
    const controller = new AbortController();
    this._controller = controller;
    this._changed.emit();

    let next: StatusState;
    try {
      const status = await this.client.status.getStatus(controller.signal);
      next = status.problem
        ? { kind: 'failed', problem: status.problem, status }
        : { kind: 'ready', status };
    } catch (error) {
      next = { kind: 'failed', problem: toProblem(error), status: null };
    }
    if (controller !== this._controller || this._isDisposed) {
      return;
    }
    this._controller = null;
    this._state = next;
    this._changed.emit();
  }

  /**
   * Ask again for the machine and its idle time only; a failure keeps what is
   * known (the next identity refresh reports problems).
   */
  async refreshWorkspace(): Promise<void> {
    const state = this._state;
    if (this._controller || state.kind === 'loading' || !state.status) {
      return;
    }
    let workspace: IStatus['workspace'];
    try {
      ({ workspace } = await this.client.status.getWorkspace());
    } catch {
      return;
    }
    // A full refresh that started meanwhile has the newer answer.
    if (this._state !== state || this._controller || this._isDisposed) {
      return;
    }
    this._state = { ...state, status: { ...state.status, workspace } };
    this._changed.emit();
  }

  /**
   * The configuration: asked once (later calls share the answer); resolves to
   * null when the server could not say, and the next call asks again.
   */
  loadConfig(): Promise<IConfig | null> {
    this._configLoading ??= this.client.status.getConfig().then(
      config => {
        this._config = config;
        this._configProblem = null;
        this._changed.emit();
        return config;
      },
      (reason: unknown) => {
        this._configLoading = null;
        this._configProblem = toProblem(reason);
        throw reason;
      }
    );
    return this._configLoading.catch(() => null);
  }

  /** Stop the polls and cancel any request in flight. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._controller?.abort();
    this._controller = null;
    this._statusPoll.dispose();
    this._workspacePoll.dispose();
    Signal.clearData(this);
  }

  /** (Re)start `poll`'s schedule: its first tick one interval from now. */
  private _schedule(poll: Poll): void {
    const interval = poll.frequency.interval;
    void poll.schedule({ interval, phase: 'started' });
  }

  private _changed = new Signal<this, void>(this);
  private _state: StatusState = { kind: 'loading' };
  private _controller: AbortController | null = null;
  private _config: IConfig | null = null;
  private _configLoading: Promise<IConfig> | null = null;
  private _configProblem: IProblem | null = null;
  private _intervalSeconds = 0;
  private _workspaceMs = WORKSPACE_REFRESH_MS;
  private _watched = false;
  private _isDisposed = false;
  private _statusPoll: Poll;
  private _workspacePoll: Poll;
}

/** A fixed poll interval: no backoff, since a failure is a state, not a rejection. */
function frequency(ms: number): IPoll.Frequency {
  const interval = ms === Poll.NEVER ? ms : Math.min(ms, Poll.MAX_INTERVAL);
  return {
    interval,
    backoff: false,
    max: ms === Poll.NEVER ? Poll.NEVER : Math.max(interval, 30_000)
  };
}
