/**
 * Follows the run list: asks the server again every few seconds while the
 * list is on screen and some run may still change, and never otherwise, so a
 * closed sidebar or a list of finished runs costs nothing.
 */
import type { IProblem, IRun } from '../api';
import { toProblem } from '../sidebar/statusheader';
import { anyActive, isFinal, shownElapsed } from './model';

/** Seconds between two polls while a run is active. */
export const POLL_SECONDS = 3;

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
}

/** The run list's request lifecycle, without any rendering. */
export class RunsPoller {
  /** A poller that does nothing until {@link setVisible}(true). */
  constructor(options: IRunsPollerOptions) {
    this._options = options;
    this._intervalMs = options.intervalMs ?? POLL_SECONDS * 1000;
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

  /** Fetch the list now; a newer call supersedes one in flight. */
  async refresh(): Promise<void> {
    this._clearTimer();
    this._controller?.abort();
    const controller = new AbortController();
    this._controller = controller;
    this._set({ busy: true });
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
      this._accept(runs);
      this._set({ runs, error: null, busy: false });
    } else {
      this._set({ error, busy: false });
    }
    this._schedule();
  }

  /** Stop polling for good. */
  dispose(): void {
    this._disposed = true;
    this._stop();
  }

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

  /** Poll again later only while visible and some run may still change. */
  private _schedule(): void {
    this._clearTimer();
    // After a failed poll the last list still tells whether to try again.
    if (
      this._visible &&
      !this._disposed &&
      anyActive(this._snapshot.runs ?? [])
    ) {
      this._timer = setTimeout(() => {
        this._timer = null;
        void this.refresh();
      }, this._intervalMs);
    }
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
  private _snapshot: IRunsSnapshot = { runs: null, error: null, busy: false };
  private _states = new Map<string, IRun['state']>();
  private _visible = false;
  private _disposed = false;
  private _controller: AbortController | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
}
