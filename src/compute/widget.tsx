/**
 * The sidebar's Compute section: an {@link InstancePicker} that asks the server
 * for the catalog only once the section is first shown, so a collapsed section
 * or a closed sidebar costs nothing.
 */
import { ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { LazyReactWidget } from '../common/lazy';
import { InstancePicker } from './picker';

/** The Compute section widget. */
export class ComputeSection extends LazyReactWidget {
  /** Create the section; it stays empty and idle until first shown. */
  constructor(options: ComputeSection.IOptions) {
    super();
    this._trans = options.trans;
    this._serverSettings = options.serverSettings;
    this._debounceMs = options.debounceMs;
  }

  protected render(): JSX.Element | null {
    if (!this.started) {
      return null;
    }
    return (
      <InstancePicker
        trans={this._trans}
        serverSettings={this._serverSettings}
        debounceMs={this._debounceMs}
      />
    );
  }

  private _trans: TranslationBundle;
  private _serverSettings: ServerConnection.ISettings | undefined;
  private _debounceMs: number | undefined;
}

/** Statics of {@link ComputeSection}. */
export namespace ComputeSection {
  /** Options to build a {@link ComputeSection}. */
  export interface IOptions {
    trans: TranslationBundle;
    /** Connection to the Jupyter server; the page's own when omitted. */
    serverSettings?: ServerConnection.ISettings;
    /** Wait after typing before asking the server, in ms. */
    debounceMs?: number;
  }
}
