/**
 * The left sidebar panel: the status header on top, feature sections below.
 */
import { ServerConnection } from '@jupyterlab/services';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { SidePanel } from '@jupyterlab/ui-components';

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

    for (const spec of sectionSpecs(trans, options.serverSettings)) {
      this.addWidget(createSection(spec));
    }
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
  }
}
