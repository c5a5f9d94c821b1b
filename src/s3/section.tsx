/**
 * The sidebar's S3 section: an {@link S3Browser} that asks the server for
 * buckets only once the section is first shown.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { CSS } from '../tokens';
import { UcdhClient, UcdhClientContext } from '../client';
import { LazyReactWidget } from '../common/lazy';
import { S3Browser } from './browser';
import { S3Activity } from './jobs';

/** The S3 section widget. */
export class S3Section extends LazyReactWidget {
  /** Create the section; it stays empty and idle until first shown. */
  constructor(options: S3Section.IOptions) {
    super();
    this.addClass(CSS.S3.section);
    this._options = options;
    this.activity = options.activity ?? new S3Activity(options.client);
  }

  /**
   * The open folder and the transfer jobs: the file browser's "Upload to S3…"
   * reads and adds to them, whether or not the section was shown yet.
   */
  readonly activity: S3Activity;

  protected render(): JSX.Element | null {
    if (!this.started) {
      return null;
    }
    const { client, trans, workspaceFolder, commands, pageSize } =
      this._options;
    return (
      <UcdhClientContext.Provider value={client}>
        <S3Browser
          trans={trans}
          workspaceFolder={workspaceFolder}
          commands={commands}
          pageSize={pageSize}
          activity={this.activity}
        />
      </UcdhClientContext.Provider>
    );
  }

  private _options: S3Section.IOptions;
}

/** Statics of {@link S3Section}. */
export namespace S3Section {
  /** Options to build an {@link S3Section}. */
  export interface IOptions {
    trans: TranslationBundle;
    /** The server routes. */
    client: UcdhClient;
    /** The file browser's folder, where copies to the workspace land. */
    workspaceFolder?: () => string;
    /** The application's commands: the file browser's reveals a copy. */
    commands?: CommandRegistry;
    /** Entries per page; the server's maximum by default. */
    pageSize?: number;
    /** Shared place and jobs; a new one when omitted. */
    activity?: S3Activity;
  }
}
