/**
 * What the S3 browser shares with the rest of JupyterLab: the folder it shows
 * and the transfer jobs it follows. The "Upload to S3…" command of the file
 * browser reads the folder (its default destination), adds its jobs here, and
 * the S3 section shows their progress and lists the folder again when they end.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { CSS } from '../tokens';
import type { UcdhClient } from '../client';
import type { IProblem } from '../api';
import { UcdhRequestError } from '../request';
import { toProblem } from '../common/problem';
import { IS3Location, IS3TransferJob } from './api';

/** Where the browser is: a location and a prefix in it. */
export interface IS3Place {
  location: IS3Location;
  prefix: string;
}

/** What {@link S3Activity} holds at one moment (a new object on every change). */
export interface IS3ActivityState {
  /** The open folder; null on the bucket list. */
  place: IS3Place | null;
  /** Followed jobs, oldest first. */
  jobs: IS3TransferJob[];
  /** Bumped whenever the open folder must be listed again. */
  generation: number;
}

/** How often a transfer's progress is asked for, in ms. */
export const TRANSFER_POLL_MS = 500;

/** Ended jobs kept for the user to read; older ones are forgotten. */
const KEEP_ENDED = 20;

const ENDED = ['succeeded', 'failed', 'cancelled'];

/** Whether a job is over (it will not change any more). */
export function isFinal(job: IS3TransferJob): boolean {
  return ENDED.includes(job.state);
}

/** The S3 browser's place and transfer jobs, observable from React and plugins. */
export class S3Activity {
  /** An activity whose requests go through `client`. */
  constructor(readonly client: UcdhClient) {}

  /** The current state; replaced, never mutated, on change. */
  get state(): IS3ActivityState {
    return this._state;
  }

  /** Call `listener` after every change; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  };

  /** Open `place` in the browser (null: the bucket list). */
  setPlace(place: IS3Place | null): void {
    this._set({ place });
  }

  /** The open folder changed on S3: list it again if it is in `bucket` (any when omitted). */
  invalidate(bucket?: string): void {
    const place = this._state.place;
    if (bucket === undefined || place?.location.bucket === bucket) {
      this._set({ generation: this._state.generation + 1 });
    }
  }

  /**
   * Follow `job` until it ends, showing each step; returns its final state.
   * A job that wrote into S3 refreshes the open folder when it ends.
   */
  async track(job: IS3TransferJob): Promise<IS3TransferJob> {
    this._put(job);
    while (!isFinal(job)) {
      await new Promise(resolve => setTimeout(resolve, TRANSFER_POLL_MS));
      try {
        job = await this.client.s3.getTransfer(job.id);
      } catch (error) {
        // The job may be fine on the server; say why it is no longer followed.
        const problem = toProblem(error);
        job = { ...job, state: 'failed', error: { ...problem } };
      }
      this._put(job);
    }
    if (job.kind === 'to_s3' && job.files_done > 0) {
      this.invalidate(job.target.bucket);
    }
    return job;
  }

  /** Ask the server to stop a job; its next poll shows it cancelled. */
  async cancel(id: string): Promise<void> {
    this._put(await this.client.s3.cancelTransfer(id));
  }

  /** Forget an ended job's line. */
  dismiss(id: string): void {
    this._set({ jobs: this._state.jobs.filter(job => job.id !== id) });
  }

  private _put(job: IS3TransferJob): void {
    const jobs = this._state.jobs.slice();
    const index = jobs.findIndex(known => known.id === job.id);
    if (index < 0) {
      jobs.push(job);
    } else if (isFinal(jobs[index])) {
      return; // a late answer (e.g. to a cancel) must not revive an ended job
    } else {
      jobs[index] = job;
    }
    const ended = jobs.filter(isFinal);
    const forget = new Set(ended.slice(0, ended.length - KEEP_ENDED));
    this._set({ jobs: jobs.filter(known => !forget.has(known)) });
  }

  private _set(change: Partial<IS3ActivityState>): void {
    this._state = { ...this._state, ...change };
    this._listeners.forEach(listener => listener());
  }

  private _state: IS3ActivityState = { place: null, jobs: [], generation: 0 };
  private _listeners = new Set<() => void>();
}

/** The activity's state, re-rendering on every change. */
export function useActivity(activity: S3Activity): IS3ActivityState {
  return React.useSyncExternalStore(activity.subscribe, () => activity.state);
}

/** What {@link startJobs} started, and what it could not. */
export interface IStartedJobs {
  jobs: IS3TransferJob[];
  /** Requests refused for another reason than an existing target. */
  problems: IProblem[];
  /** Requests whose existing targets the user chose to keep. */
  kept: number;
}

/**
 * Start one job per body, the way the server wants overwrites confirmed: the
 * bodies whose target exists (409) are listed in one question, and sent again
 * with `overwrite: true` only if the user agrees.
 *
 * @param start posts one body
 * @param confirm asks about the server's 409 messages; true replaces them all
 */
export async function startJobs<T extends { overwrite?: boolean }>(
  bodies: T[],
  start: (body: T) => Promise<IS3TransferJob>,
  confirm: (messages: string[]) => Promise<boolean>
): Promise<IStartedJobs> {
  const result: IStartedJobs = { jobs: [], problems: [], kept: 0 };
  const conflicts: { body: T; message: string }[] = [];
  const send = async (body: T, conflict: boolean): Promise<void> => {
    try {
      result.jobs.push(await start(body));
    } catch (error) {
      const problem = toProblem(error);
      if (conflict && problem.status === 409) {
        conflicts.push({ body, message: problem.message });
      } else {
        result.problems.push(problem);
      }
    }
  };
  // One at a time: each request plans its job (lists the target) on the server.
  for (const body of bodies) {
    await send(body, true);
  }
  if (conflicts.length > 0) {
    if (await confirm(conflicts.map(c => c.message))) {
      for (const { body } of conflicts) {
        await send({ ...body, overwrite: true }, false);
      }
    } else {
      result.kept = conflicts.length;
    }
  }
  return result;
}

/**
 * One error for the requests {@link startJobs} could not start, out of
 * `total`: the server's own when it is the only request.
 */
export function startFailure(
  problems: IProblem[],
  total: number,
  trans: TranslationBundle
): UcdhRequestError {
  const first = problems[0];
  const message =
    total === 1
      ? first.message
      : trans.__(
          '%1 of %2 items could not be started: %3',
          problems.length,
          total,
          first.message
        );
  return new UcdhRequestError(message, first.status, first.code, first.hint);
}

/** Messages listed in the replace question before "and N more". */
const LISTED_CONFLICTS = 5;

/** Ask once whether existing files or objects may be replaced. */
export async function confirmReplace(
  messages: string[],
  trans: TranslationBundle
): Promise<boolean> {
  const shown = messages.slice(0, LISTED_CONFLICTS);
  const answer = await showDialog({
    title: trans._n(
      'Replace %1 existing item?',
      'Replace %1 existing items?',
      messages.length
    ),
    body: (
      <div className={CSS.S3.conflicts}>
        <ul>
          {shown.map(message => (
            <li key={message}>{message}</li>
          ))}
        </ul>
        {messages.length > shown.length && (
          <p>{trans.__('…and %1 more.', messages.length - shown.length)}</p>
        )}
        <p>
          {trans._n(
            'Replace overwrites it; Keep skips this item.',
            'Replace overwrites them; Keep skips these items.',
            messages.length
          )}
        </p>
      </div>
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Keep') }),
      Dialog.warnButton({ label: trans.__('Replace') })
    ]
  });
  return answer.button.accept;
}
