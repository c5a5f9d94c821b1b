/**
 * The choices of the last run submitted (backend, machine type, Databricks
 * compute and workers), offered first by the next run dialog.
 *
 * Kept in JupyterLab's state database when the application has one, so they
 * survive a reload as the layout does; in memory otherwise (a notebook page
 * without a state database, the unit tests).
 */
import type { IStateDB } from '@jupyterlab/statedb';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import type { ClusterMode } from './api';
import type { Backend } from '../compute/api';

/** What the next dialog starts from; every field is optional. */
export interface IRunChoices {
  backend?: Backend;
  instanceType?: string;
  workers?: number;
  clusterMode?: ClusterMode;
}

/** Where the choices are stored in the state database. */
export const RUN_CHOICES_KEY = 'ucdh-jupyter:runs:last-choices';

/** The last run's choices, read synchronously by the dialog. */
export class RunChoices {
  /** @param state JupyterLab's state database; in memory only when omitted */
  constructor(state?: IStateDB | null) {
    this._state = state ?? null;
  }

  /** The remembered choices (empty until a run was submitted or restored). */
  get current(): IRunChoices {
    return this._current;
  }

  /**
   * Read what an earlier session stored. Not awaited by anyone: a dialog
   * opened before it resolves starts from the notebook's defaults.
   */
  async restore(): Promise<void> {
    if (!this._state) {
      return;
    }
    try {
      const stored = await this._state.fetch(RUN_CHOICES_KEY);
      // A choice made in this session meanwhile is newer.
      if (Object.keys(this._current).length === 0) {
        this._current = sanitize(stored);
      }
    } catch (reason) {
      console.warn(
        'ucdh-jupyter: could not read the last run choices.',
        reason
      );
    }
  }

  /** Remember the choices of a submitted run; fields left undefined keep their value. */
  remember(choices: IRunChoices): void {
    const next: IRunChoices = { ...this._current };
    for (const [key, value] of Object.entries(choices)) {
      if (value !== undefined) {
        (next as Record<string, unknown>)[key] = value;
      }
    }
    this._current = next;
    this._state
      ?.save(RUN_CHOICES_KEY, next as ReadonlyPartialJSONObject)
      .catch(reason =>
        console.warn(
          'ucdh-jupyter: could not store the last run choices.',
          reason
        )
      );
  }

  private _state: IStateDB | null;
  private _current: IRunChoices = {};
}

/**
 * The choices of this page when the dialog is given none (no plugin wiring,
 * e.g. a dialog opened from a test): in memory, shared by the page's dialogs.
 */
export const pageRunChoices = new RunChoices();

/** Keep only well-typed fields of a stored value (it may come from an older version). */
function sanitize(stored: unknown): IRunChoices {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
    return {};
  }
  const value = stored as Record<string, unknown>;
  const choices: IRunChoices = {};
  if (typeof value.backend === 'string') {
    choices.backend = value.backend as Backend;
  }
  if (typeof value.instanceType === 'string') {
    choices.instanceType = value.instanceType;
  }
  if (typeof value.workers === 'number' && Number.isFinite(value.workers)) {
    choices.workers = value.workers;
  }
  if (typeof value.clusterMode === 'string') {
    choices.clusterMode = value.clusterMode as ClusterMode;
  }
  return choices;
}
