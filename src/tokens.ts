/**
 * Identifiers shared across the frontend: plugin, command and widget ids,
 * service tokens and CSS class names, kept here so that tests and later
 * features use the same ones.
 */
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

import type { UcdhClient } from './client';
import type { IFeatures } from './status/api';
import type { StatusModel } from './status/model';

/** Plugin ids; each with settings has a matching `schema/<name>.json`. */
export namespace PluginIDs {
  export const client = 'ucdh-jupyter:client';
  export const status = 'ucdh-jupyter:status';
  export const sidebar = 'ucdh-jupyter:sidebar';
  export const runs = 'ucdh-jupyter:runs';
  export const features = 'ucdh-jupyter:features';
}

/**
 * The administrator's feature switches (`UcdhConfig.enable_s3/compute/runs`)
 * as the server reports them; plugins leave out what is switched off.
 */
export interface IFeatureSwitches {
  /** The switches once known; null before. */
  readonly features: IFeatures | null;
  /** Emitted when the switches become known. */
  readonly changed: ISignal<IFeatureSwitches, IFeatures>;
  /** Whether `feature` is on (true until the server says otherwise). */
  isOn(feature: keyof IFeatures): boolean;
}

/** The token of {@link IFeatureSwitches}. */
export const IFeatureSwitches = new Token<IFeatureSwitches>(
  'ucdh-jupyter:IFeatureSwitches',
  'Which ucdh-jupyter features the administrator switched on.'
);

/**
 * The application's one client of the server routes, built when the plugins
 * activate from JupyterLab's server settings.
 */
export const IUcdhClient = new Token<UcdhClient>(
  'ucdh-jupyter:IUcdhClient',
  'The client of the ucdh-jupyter server routes.'
);

/**
 * The shared status and configuration (`GET status`, `GET config`) that the
 * sidebar, the feature switches, the run dialog and "Upload to S3…" read.
 */
export const IUcdhStatus = new Token<StatusModel>(
  'ucdh-jupyter:IUcdhStatus',
  'The AWS status and the administrator configuration, fetched once and polled.'
);

/** Command ids, `ucdh-jupyter:verb-noun`. */
export namespace CommandIDs {
  export const openSidebar = 'ucdh-jupyter:open-sidebar';
  export const refreshStatus = 'ucdh-jupyter:refresh-status';
  /** Open the run dialog; args `path` (else the current notebook) and `rerun`. */
  export const runNotebook = 'ucdh-jupyter:run-notebook';
  /** Reveal the Runs section and refresh it; arg `runId` to announce its end. */
  export const showRuns = 'ucdh-jupyter:show-runs';
}

/** Name of the Run on AWS item in the notebook toolbar (`schema/runs.json`). */
export const RUN_TOOLBAR_ITEM = 'ucdh-run-on-aws';

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

  /** Where the shown prices come from; always visible next to any price. */
  export const priceSource = 'jp-ucdh-PriceSource';

  export namespace Compute {
    export const root = 'jp-ucdh-Compute';
    export const presets = 'jp-ucdh-Compute-presets';
    export const preset = 'jp-ucdh-Compute-preset';
    export const filters = 'jp-ucdh-Compute-filters';
    export const summary = 'jp-ucdh-Compute-summary';
    export const tableWrap = 'jp-ucdh-Compute-tableWrap';
    export const table = 'jp-ucdh-Compute-table';
    export const sortButton = 'jp-ucdh-Compute-sort';
    export const row = 'jp-ucdh-Compute-row';
    export const more = 'jp-ucdh-Compute-more';
    export const reason = 'jp-ucdh-Compute-reason';
    export const chart = 'jp-ucdh-Compute-chart';
    export const estimate = 'jp-ucdh-Compute-estimate';
    export const estimateRange = 'jp-ucdh-Compute-estimateRange';
    export const hours = 'jp-ucdh-Compute-hours';
    export const backend = 'jp-ucdh-Compute-backend';
    export const breakdown = 'jp-ucdh-Compute-breakdown';
    export const fieldError = 'jp-ucdh-Compute-fieldError';
    export const problem = 'jp-ucdh-Compute-problem';
    export const retry = 'jp-ucdh-Compute-retry';
    export const status = 'jp-ucdh-Compute-status';
  }

  export namespace S3 {
    export const root = 'jp-ucdh-S3';
    export const breadcrumb = 'jp-ucdh-S3-breadcrumb';
    export const bucket = 'jp-ucdh-S3-bucket';
    export const row = 'jp-ucdh-S3-row';
    export const size = 'jp-ucdh-S3-size';
    export const filter = 'jp-ucdh-S3-filter';
    export const more = 'jp-ucdh-S3-more';
    export const list = 'jp-ucdh-S3-list';
    export const empty = 'jp-ucdh-S3-empty';
    export const status = 'jp-ucdh-S3-status';
    export const download = 'jp-ucdh-S3-download';
    export const remove = 'jp-ucdh-S3-delete';
    export const uri = 'jp-ucdh-S3-uri';
    export const actions = 'jp-ucdh-S3-actions';
    export const menu = 'jp-ucdh-S3-menu';
    export const upload = 'jp-ucdh-S3-upload';
    export const newFolder = 'jp-ucdh-S3-newFolder';
    export const fileInput = 'jp-ucdh-S3-fileInput';
    export const progress = 'jp-ucdh-S3-progress';
    export const transfer = 'jp-ucdh-S3-transfer';
    export const rename = 'jp-ucdh-S3-rename';
    export const search = 'jp-ucdh-S3-search';
    export const searchToggle = 'jp-ucdh-S3-searchToggle';
    export const searchFurther = 'jp-ucdh-S3-searchFurther';
    export const match = 'jp-ucdh-S3-match';
    export const matchFolder = 'jp-ucdh-S3-matchFolder';
    export const dropping = 'jp-mod-dropping';
  }

  export namespace Runs {
    export const root = 'jp-ucdh-Runs';
    export const usage = 'jp-ucdh-Runs-usage';
    export const item = 'jp-ucdh-Runs-item';
    export const state = 'jp-ucdh-Runs-state';
    export const progress = 'jp-ucdh-Runs-progress';
    export const cancel = 'jp-ucdh-Runs-cancel';
    export const open = 'jp-ucdh-Runs-open';
    export const log = 'jp-ucdh-Runs-log';
    export const rerun = 'jp-ucdh-Runs-rerun';
    export const refresh = 'jp-ucdh-Runs-refresh';
    export const empty = 'jp-ucdh-Runs-empty';
    export const status = 'jp-ucdh-Runs-status';
    export const cost = 'jp-ucdh-Runs-cost';
    export const elapsed = 'jp-ucdh-Runs-elapsed';
    export const guardrails = 'jp-ucdh-Runs-guardrails';
    export const output = 'jp-ucdh-Runs-output';
    export const failure = 'jp-ucdh-Runs-failure';
    export const logView = 'jp-ucdh-RunLog';
    export const logPanel = 'jp-ucdh-RunLogPanel';
    export const logSources = 'jp-ucdh-RunLogPanel-sources';
    export const logSource = 'jp-ucdh-RunLogPanel-source';
    export const logCause = 'jp-ucdh-RunLogPanel-cause';
    export const logNote = 'jp-ucdh-RunLogPanel-note';
  }

  export namespace RunDialog {
    export const root = 'jp-ucdh-RunDialog';
    export const submit = 'jp-ucdh-RunDialog-submit';
    export const backend = 'jp-ucdh-RunDialog-backend';
    export const hours = 'jp-ucdh-RunDialog-hours';
    export const parameters = 'jp-ucdh-RunDialog-parameters';
    export const files = 'jp-ucdh-RunDialog-files';
    export const filesWarning = 'jp-ucdh-RunDialog-filesWarning';
    export const environment = 'jp-ucdh-RunDialog-environment';
    export const cost = 'jp-ucdh-RunDialog-cost';
    export const maxCost = 'jp-ucdh-RunDialog-maxCost';
    export const expectedCost = 'jp-ucdh-RunDialog-expectedCost';
    export const blockers = 'jp-ucdh-RunDialog-blockers';
    export const status = 'jp-ucdh-RunDialog-status';
  }

  /** The Run on AWS button of the notebook toolbar. */
  export const runButton = 'jp-ucdh-RunButton';
}
