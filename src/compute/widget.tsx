/**
 * The sidebar's Compute section: an {@link InstancePicker} that asks the server
 * for the catalog only once the section is first shown, so a collapsed section
 * or a closed sidebar costs nothing.
 */
import { ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import { InstancePicker } from './picker';

/** The Compute section widget. */
export class ComputeSection extends ReactWidget {
  /** Create the section; it stays empty and idle until first shown. */
  constructor(options: ComputeSection.IOptions) {
    super();
    this._trans = options.trans;
    this._serverSettings = options.serverSettings;
    this._debounceMs = options.debounceMs;
  }

  protected render(): JSX.Element | null {
    if (!this._started) {
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

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    // Attached straight into a visible parent: no after-show message follows.
    if (this.isVisible) {
      this._start();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._start();
  }

  private _start(): void {
    if (!this._started) {
      this._started = true;
      this.update();
    }
  }

  private _trans: TranslationBundle;
  private _serverSettings: ServerConnection.ISettings | undefined;
  private _debounceMs: number | undefined;
  private _started = false;
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
