/**
 * The left sidebar panel: the status header on top, feature sections below.
 */
import { ServerConnection } from '@jupyterlab/services';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { SidePanel } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import { AccordionPanel, Widget } from '@lumino/widgets';

import { cloudIcon } from '../icons';
import { CSS, SIDEBAR_ID, TRANSLATION_DOMAIN } from '../tokens';
import { createSection, sectionSpecs } from './sections';
import { StatusHeader } from './statusheader';

/** The ucdh-jupyter sidebar. */
export class UcdhSidebar extends SidePanel {
  /** Build the panel; nothing is fetched until it is shown. */
  constructor(options: UcdhSidebar.IOptions = {}) {
    const translator = options.translator ?? nullTranslator;
    super({ translator });
    const trans = translator.load(TRANSLATION_DOMAIN);

    this.id = SIDEBAR_ID;
    this.addClass(CSS.sidebar);
    this.title.icon = cloudIcon;
    this.title.caption = trans.__('AWS (ucdh-jupyter)');

    this.statusHeader = new StatusHeader({
      serverSettings: options.serverSettings,
      trans
    });
    this.header.addWidget(this.statusHeader);

    for (const spec of sectionSpecs(
      trans,
      options.serverSettings,
      options.commands,
      options.workspaceFolder
    )) {
      this.addWidget(createSection(spec));
    }
  }

  /**
   * Expand the section of `key` (e.g. `runs`) and return its widget; null
   * when there is no such section.
   */
  showSection(key: string): Widget | null {
    const index = this.widgets.findIndex(
      widget => widget.id === `ucdh-jupyter-section-${key}`
    );
    if (index < 0) {
      return null;
    }
    const widget = this.widgets[index];
    // The default content is an accordion; a collapsed section is hidden.
    if (this.content instanceof AccordionPanel && widget.isHidden) {
      this.content.expand(index);
    }
    return widget;
  }

  /** The identity/credentials header, exposed for the refresh command. */
  readonly statusHeader: StatusHeader;
}

/** Statics of {@link UcdhSidebar}. */
export namespace UcdhSidebar {
  /** Options to build a {@link UcdhSidebar}. */
  export interface IOptions {
    /** Connection to the Jupyter server; the page's own when omitted. */
    serverSettings?: ServerConnection.ISettings;
    translator?: ITranslator;
    /** The application's commands, used by sections to open documents and dialogs. */
    commands?: CommandRegistry;
    /** The file browser's current folder, where S3 copies land; the root when omitted. */
    workspaceFolder?: () => string;
  }
}
