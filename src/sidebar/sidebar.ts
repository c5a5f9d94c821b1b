/**
 * The left sidebar panel: the status header on top, feature sections below;
 * the section of a feature the administrator switched off is left out.
 */
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { SidePanel } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import { MessageLoop } from '@lumino/messaging';
import { AccordionPanel, Widget } from '@lumino/widgets';

import type { UcdhClient } from '../client';
import type { IFeatures } from '../status/api';
import { StatusModel } from '../status/model';
import { cloudIcon } from '../icons';
import {
  CSS,
  IFeatureSwitches,
  SIDEBAR_ID,
  TRANSLATION_DOMAIN
} from '../tokens';
import { createSection, sectionSpecs } from './sections';
import { StatusHeader } from './statusheader';

/** A section key that is also a feature switch (`s3`, `compute`, `runs`). */
type FeatureKey = keyof IFeatures;

/** DOM id of a section: this prefix, then its key. */
const SECTION_ID_PREFIX = 'ucdh-jupyter-section-';

/** The ucdh-jupyter sidebar. */
export class UcdhSidebar extends SidePanel {
  /** Build the panel; nothing is fetched until it is shown. */
  constructor(options: UcdhSidebar.IOptions) {
    const translator = options.translator ?? nullTranslator;
    super({ translator });
    const trans = translator.load(TRANSLATION_DOMAIN);

    this.id = SIDEBAR_ID;
    this.addClass(CSS.sidebar);
    this.title.icon = cloudIcon;
    this.title.caption = trans.__('AWS (ucdh-jupyter)');

    this._ownsStatus = !options.status;
    this.statusHeader = new StatusHeader({
      model: options.status ?? new StatusModel(options.client),
      trans
    });
    this.header.addWidget(this.statusHeader);

    const features = options.features;
    for (const spec of sectionSpecs(
      trans,
      options.client,
      options.commands,
      options.workspaceFolder
    )) {
      if (features?.isOn(spec.key as FeatureKey) ?? true) {
        this.addWidget(createSection(spec));
      }
    }
    // Switches known later (the usual case) remove the sections then.
    features?.changed.connect(this._removeSwitchedOff, this);

    // Lumino lays the sections out only on resize messages, and the sidebar
    // is not resized when its header grows (a problem message, the idle
    // suggestion): the sections would keep their old heights and the last
    // title would slide below the sidebar, out of reach. The sections' box
    // shrinking in the page is a resize for them.
    if (typeof ResizeObserver !== 'undefined') {
      this._contentObserver = new ResizeObserver(() => {
        if (this.content.isVisible) {
          MessageLoop.sendMessage(
            this.content,
            Widget.ResizeMessage.UnknownSize
          );
        }
      });
      this._contentObserver.observe(this.content.node);
    }
  }

  /** Stop watching the sections' box. */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._contentObserver?.disconnect();
    this._contentObserver = null;
    const status = this.statusHeader.model;
    super.dispose();
    if (this._ownsStatus) {
      status.dispose();
    }
  }

  /** Dispose of the sections of the features that are switched off. */
  private _removeSwitchedOff(features: IFeatureSwitches): void {
    for (const widget of [...this.widgets]) {
      const key = widget.id.replace(SECTION_ID_PREFIX, '') as FeatureKey;
      if (widget.id.startsWith(SECTION_ID_PREFIX) && !features.isOn(key)) {
        widget.dispose();
      }
    }
  }

  /**
   * Expand the section of `key` (e.g. `runs`), give it at least `share` of the
   * sections' height, and return its widget; null when there is no such section.
   *
   * What it is shown for (the run just submitted, the upload just started)
   * must be in sight: below an expanded S3 and Compute, a revealed Runs
   * section kept its last size, often the 80 px minimum, with the new run's
   * card below the fold.
   */
  showSection(key: string, share = 0.5): Widget | null {
    const index = this.widgets.findIndex(
      widget => widget.id === `${SECTION_ID_PREFIX}${key}`
    );
    if (index < 0) {
      return null;
    }
    const widget = this.widgets[index];
    // The default content is an accordion; a collapsed section is hidden.
    const panel = this.content;
    if (panel instanceof AccordionPanel) {
      if (widget.isHidden) {
        panel.expand(index);
      }
      const sizes = panel.relativeSizes();
      const others = 1 - sizes[index];
      if (sizes[index] < share && others > 0) {
        panel.setRelativeSizes(
          sizes.map((size, i) =>
            i === index ? share : (size * (1 - share)) / others
          )
        );
      }
    }
    return widget;
  }

  /** The identity/credentials header, exposed for the refresh command. */
  readonly statusHeader: StatusHeader;

  private _contentObserver: ResizeObserver | null = null;
  private _ownsStatus: boolean;
}

/** Statics of {@link UcdhSidebar}. */
export namespace UcdhSidebar {
  /** Options to build a {@link UcdhSidebar}. */
  export interface IOptions {
    /** The server routes. */
    client: UcdhClient;
    /** The shared status the header shows; the sidebar's own when omitted. */
    status?: StatusModel;
    translator?: ITranslator;
    /** The application's commands, used by sections to open documents and dialogs. */
    commands?: CommandRegistry;
    /** The file browser's current folder, where S3 copies land; the root when omitted. */
    workspaceFolder?: () => string;
    /** The admin's feature switches: sections of switched-off features are left out. */
    features?: IFeatureSwitches;
  }
}
