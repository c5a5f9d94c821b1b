/**
 * The sidebar's Compute section: an {@link InstancePicker} that asks the server
 * for the catalog only once the section is first shown, so a collapsed section
 * or a closed sidebar costs nothing.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { UcdhClient, UcdhClientContext } from '../client';
import { LazyReactWidget } from '../common/lazy';
import { InstancePicker } from './picker';

/** The Compute section widget. */
export class ComputeSection extends LazyReactWidget {
  /** Create the section; it stays empty and idle until first shown. */
  constructor(options: ComputeSection.IOptions) {
    super();
    this._trans = options.trans;
    this._client = options.client;
    this._debounceMs = options.debounceMs;
  }

  protected render(): JSX.Element | null {
    if (!this.started) {
      return null;
    }
    return (
      <UcdhClientContext.Provider value={this._client}>
        <InstancePicker trans={this._trans} debounceMs={this._debounceMs} />
      </UcdhClientContext.Provider>
    );
  }

  private _trans: TranslationBundle;
  private _client: UcdhClient;
  private _debounceMs: number | undefined;
}

/** Statics of {@link ComputeSection}. */
export namespace ComputeSection {
  /** Options to build a {@link ComputeSection}. */
  export interface IOptions {
    trans: TranslationBundle;
    /** The server routes. */
    client: UcdhClient;
    /** Wait after typing before asking the server, in ms. */
    debounceMs?: number;
  }
}
