/**
 * Identifiers shared across the frontend: plugin, command and widget ids and
 * CSS class names, kept here so that tests and later features use the same ones.
 */

/** Plugin ids; each has a matching `schema/<name>.json`. */
export namespace PluginIDs {
  export const sidebar = 'ucdh-jupyter:sidebar';
}

/** Command ids, `ucdh-jupyter:verb-noun`. */
export namespace CommandIDs {
  export const openSidebar = 'ucdh-jupyter:open-sidebar';
  export const refreshStatus = 'ucdh-jupyter:refresh-status';
}

/** Command palette category of every ucdh-jupyter command. */
export const PALETTE_CATEGORY = 'AWS';

/** DOM id of the left sidebar panel; also its layout-restorer key. */
export const SIDEBAR_ID = 'ucdh-jupyter-sidebar';

/** Translation domain of the Python package. */
export const TRANSLATION_DOMAIN = 'ucdh_jupyter';

/** CSS classes, `jp-ucdh-<Component>[-<part>]`. */
export namespace CSS {
  export const sidebar = 'jp-ucdh-Sidebar';
  export const section = 'jp-ucdh-Section';
  export const placeholder = 'jp-ucdh-Placeholder';
  export const hint = 'jp-ucdh-Hint';

  export namespace StatusHeader {
    export const root = 'jp-ucdh-StatusHeader';
    export const live = 'jp-ucdh-StatusHeader-live';
    export const loading = 'jp-ucdh-StatusHeader-loading';
    export const identity = 'jp-ucdh-StatusHeader-identity';
    export const account = 'jp-ucdh-StatusHeader-account';
    export const arn = 'jp-ucdh-StatusHeader-arn';
    export const region = 'jp-ucdh-StatusHeader-region';
    export const mode = 'jp-ucdh-StatusHeader-mode';
    export const problem = 'jp-ucdh-StatusHeader-problem';
    export const message = 'jp-ucdh-StatusHeader-message';
    export const retry = 'jp-ucdh-StatusHeader-retry';
    export const refresh = 'jp-ucdh-StatusHeader-refresh';
  }
}
