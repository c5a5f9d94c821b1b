/**
 * Follows the run list while it is on screen: every few seconds while some
 * run may still change, and every {@link IDLE_POLL_SECONDS} otherwise, so a
 * run started elsewhere (`%ucdh_run` in a kernel, the RunStatus widget,
 * another browser tab) appears without a refresh. Nothing is asked while the
 * section or the browser tab is hidden.
 *
 * An idle poll is cheap when nothing changed: the list route answers with an
 * ETag and the request revalidates (`cache: 'no-cache'`), so an unchanged
 * list is a bodiless 304; and an answer equal to the last one neither marks
 * the list busy nor repaints it.
 */
import type { IProblem } from '../api';
import type { IRun } from './api';
import { toProblem } from '../common/problem';
import { anyActive, isFinal, shownElapsed } from './model';

/** Seconds between two polls while a run is active. */
export const POLL_SECONDS = 3;

/** Seconds between two polls while every run is over (to see new ones). */
export const IDLE_POLL_SECONDS = 5;

/** What the list shows. */
export interface IRunsSnapshot {
  /** Null until the first answer. */
  runs: IRun[] | null;
  /** The last failure; cleared by the next success. */
  error: IProblem | null;
  /** A request is in flight. */
  busy: boolean;
  /**
   * Seconds each run has taken, by run id, as of the answer that brought it
   * (not of each repaint: a list being fetched again still shows the last
   * answer), and never going back.
   */
  elapsed?: Readonly<Record<string, number>>;
}

/** Options of {@link RunsPoller}. */
export interface IRunsPollerOptions {
  /** Fetch the list; the signal aborts it when the list is hidden. */
  fetch: (signal: AbortSignal) => Promise<IRun[]>;
  /** Called after every change of the snapshot. */
  onChange: (snapshot: IRunsSnapshot) => void;
  /** Called once for each run seen going from active to over. */
  onEnded?: (run: IRun) => void;
  /** Milliseconds between polls; {@link POLL_SECONDS} by default. */
  intervalMs?: number;
  /**
   * Milliseconds between polls while no run is active;
   * {@link IDLE_POLL_SECONDS} by default.
   */
  idleIntervalMs?: number;
  /**
   * The page, to pause while its tab is hidden; the global `document` by
   * default (none outside a browser).
   */
  page?: IPage | null;
}

/** What the poller needs of the page: whether it is hidden, and when that changes. */
export interface IPage {
  readonly hidden: boolean;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/** The run list's request lifecycle, without any rendering. */
export class RunsPoller {
  /** A poller that does nothing until {@link setVisible}(true). */
  constructor(options: IRunsPollerOptions) {
    this._options = options;
    this._intervalMs = options.intervalMs ?? POLL_SECONDS * 1000;
    this._idleIntervalMs = options.idleIntervalMs ?? IDLE_POLL_SECONDS * 1000;
    this._page =
      options.page !== undefined
        ? options.page
        : typeof document === 'undefined'
          ? null
          : document;
    this._page?.addEventListener('visibilitychange', this._onPageVisibility);
  }

  /** The current list, failure and busy flag. */
  get snapshot(): IRunsSnapshot {
    return this._snapshot;
  }

  /** Whether a next poll is scheduled. */
  get polling(): boolean {
    return this._timer !== null;
  }

  /** Shown: fetch now (and keep polling while a run is active). Hidden: stop. */
  setVisible(visible: boolean): void {
    if (visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible) {
      void this.refresh();
    } else {
      this._stop();
    }
  }

  /**
   * Expect a run just submitted from this page: if the next list shows it
   * already over (a short notebook), its end is still announced.
   */
  expect(runId: string): void {
    const known = this._states.get(runId);
    if (known === undefined || !isFinal(known)) {
      this._states.set(runId, 'SUBMITTED');
    }
  }

  /** Put a run the server just returned (e.g. after cancel) into the list. */
  replace(run: IRun): void {
    const runs = this._snapshot.runs ?? [];
    const index = runs.findIndex(r => r.id === run.id);
    const next =
      index >= 0 ? runs.map(r => (r.id === run.id ? run : r)) : [run, ...runs];
    this._accept(next);
    this._set({ runs: next });
    this._schedule();
  }

  /**
   * Fetch the list now; a newer call supersedes one in flight.
   *
   * @param quiet a background poll: the list is not marked busy, and an
   * answer equal to the last one changes nothing (no repaint)
   */
  async refresh(quiet = false): Promise<void> {
    this._clearTimer();
    this._controller?.abort();
    const controller = new AbortController();
    this._controller = controller;
    if (!quiet) {
      this._set({ busy: true });
    }
    let runs: IRun[] | null = null;
    let error: IProblem | null = null;
    try {
      runs = await this._options.fetch(controller.signal);
    } catch (reason) {
      error = toProblem(reason);
    }
    if (controller !== this._controller || this._disposed) {
      return;
    }
    this._controller = null;
    if (runs) {
      const fingerprint = JSON.stringify(runs);
      // A live run's elapsed time moves on even when its record does not.
      const same =
        fingerprint === this._fingerprint &&
        this._snapshot.error === null &&
        !anyActive(runs);
      this._fingerprint = fingerprint;
      if (!(quiet && same)) {
        this._accept(runs);
        this._set({ runs, error: null, busy: false });
      } else if (this._snapshot.busy) {
        this._set({ busy: false });
      }
    } else {
      this._set({ error, busy: false });
    }
    this._schedule();
  }

  /** Stop polling for good. */
  dispose(): void {
    this._disposed = true;
    this._page?.removeEventListener('visibilitychange', this._onPageVisibility);
    this._stop();
  }

  /** The browser tab hidden: stop; shown again: look at once, then poll on. */
  private _onPageVisibility = (): void => {
    if (!this._visible || this._disposed) {
      return;
    }
    if (this._page?.hidden) {
      this._stop();
    } else {
      void this.refresh(true);
    }
  };

  /**
   * Remember the states and elapsed times, announcing runs that ended since
   * last seen.
   */
  private _accept(runs: IRun[]): void {
    const now = Date.now();
    const before = this._snapshot.elapsed ?? {};
    const elapsed: Record<string, number> = {};
    for (const run of runs) {
      const seconds = shownElapsed(run, now, before[run.id]);
      if (seconds !== null) {
        elapsed[run.id] = seconds;
      }
    }
    this._snapshot = { ...this._snapshot, elapsed };
    for (const run of runs) {
      const before = this._states.get(run.id);
      if (before !== undefined && !isFinal(before) && isFinal(run.state)) {
        this._options.onEnded?.(run);
      }
      this._states.set(run.id, run.state);
    }
  }

  /**
   * Poll again later while the list and its page are visible: soon while
   * some run may still change, less often otherwise (only to see new runs).
   */
  private _schedule(): void {
    this._clearTimer();
    if (!this._visible || this._disposed || this._page?.hidden) {
      return;
    }
    // After a failed poll the last list still tells whether a run is active.
    const delay = anyActive(this._snapshot.runs ?? [])
      ? this._intervalMs
      : this._idleIntervalMs;
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.refresh(true);
    }, delay);
  }

  private _stop(): void {
    this._clearTimer();
    this._controller?.abort();
    this._controller = null;
    if (this._snapshot.busy) {
      this._set({ busy: false });
    }
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _set(change: Partial<IRunsSnapshot>): void {
    this._snapshot = { ...this._snapshot, ...change };
    if (!this._disposed) {
      this._options.onChange(this._snapshot);
    }
  }

  private _options: IRunsPollerOptions;
  private _intervalMs: number;
  private _idleIntervalMs: number;
  private _page: IPage | null;
  /** The last list answered, as text, to tell an unchanged answer. */
  private _fingerprint = '';
  private _snapshot: IRunsSnapshot = { runs: null, error: null, busy: false };
  private _states = new Map<string, IRun['state']>();
  private _visible = false;
  private _disposed = false;
  private _controller: AbortController | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
}
