/**
 * Which features the administrator switched on (`GET config` → `features`).
 *
 * The server refuses every route of a switched-off feature (403
 * `feature_disabled`); this model lets the UI leave out that feature's
 * sidebar section, commands, menu entries and toolbar button as well.
 *
 * It is read from the shared {@link StatusModel}'s configuration, loaded
 * after JupyterLab has started (never awaited inside a plugin's `activate`). Until the answer comes, or when it cannot be had,
 * every feature counts as on: nothing the admin enabled is ever hidden by a
 * slow or failed request, and the server still refuses what is off.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IFeatures } from '../status/api';
import type { StatusModel } from '../status/model';
import { IFeatureSwitches } from '../tokens';

/** The feature switches as the server reports them. */
export class FeatureSwitches implements IFeatureSwitches {
  /** @param status the shared status, whose configuration has the switches */
  constructor(status: StatusModel) {
    this._status = status;
  }

  /** The switches once the server said; null before (or if it could not). */
  get features(): IFeatures | null {
    return this._features;
  }

  /** Emitted once, when the server's switches are known. */
  get changed(): ISignal<this, IFeatures> {
    return this._changed;
  }

  /** Whether `feature` is on; true while the server has not said otherwise. */
  isOn(feature: keyof IFeatures): boolean {
    return this._features?.[feature] !== false;
  }

  /**
   * Ask the server once (later calls return the same promise); resolves to
   * the switches, or null when the server could not say.
   */
  load(): Promise<IFeatures | null> {
    this._loading ??= this._status.loadConfig().then(config => {
      if (!config) {
        console.warn(
          'ucdh-jupyter: could not read the feature switches; showing every feature.',
          this._status.configProblem
        );
        return null;
      }
      this._features = { ...config.features };
      this._changed.emit(this._features);
      return this._features;
    });
    return this._loading;
  }

  private _status: StatusModel;
  private _features: IFeatures | null = null;
  private _loading: Promise<IFeatures | null> | null = null;
  private _changed = new Signal<this, IFeatures>(this);
}
