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
    export const machine = 'jp-ucdh-StatusHeader-machine';
    export const machineType = 'jp-ucdh-StatusHeader-machineType';
    export const idle = 'jp-ucdh-StatusHeader-idle';
    export const suggestion = 'jp-ucdh-StatusHeader-suggestion';
    export const suggestionSummary = 'jp-ucdh-StatusHeader-suggestionSummary';
    export const suggestionText = 'jp-ucdh-StatusHeader-suggestionText';
    export const suggestionReason = 'jp-ucdh-StatusHeader-suggestionReason';
    export const bar = 'jp-ucdh-StatusHeader-bar';
    export const title = 'jp-ucdh-StatusHeader-title';
    export const packages = 'jp-ucdh-StatusHeader-packages';
    export const databricks = 'jp-ucdh-StatusHeader-databricks';
    export const databricksIdentity = 'jp-ucdh-StatusHeader-databricksIdentity';
    export const principal = 'jp-ucdh-StatusHeader-principal';
    export const copyArn = 'jp-ucdh-StatusHeader-copyArn';
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
    export const presetBar = 'jp-ucdh-Compute-presetBar';
    export const presetText = 'jp-ucdh-Compute-presetText';
    export const field = 'jp-ucdh-Compute-field';
    export const fields = 'jp-ucdh-Compute-fields';
    export const clear = 'jp-ucdh-Compute-clear';
    export const toggles = 'jp-ucdh-Compute-toggles';
    export const toggle = 'jp-ucdh-Compute-toggle';
    export const chartAxis = 'jp-ucdh-Compute-chartAxis';
    export const chartYTick = 'jp-ucdh-Compute-chartYTick';
    export const chartTitle = 'jp-ucdh-Compute-chartTitle';
    export const chartSelection = 'jp-ucdh-Compute-chartSelection';
    export const point = 'jp-ucdh-Compute-point';
    export const badge = 'jp-ucdh-Compute-badge';
    export const specPart = 'jp-ucdh-Compute-specPart';
    export const specGpu = 'jp-ucdh-Compute-specGpu';
    export const name = 'jp-ucdh-Compute-name';
    export const spec = 'jp-ucdh-Compute-spec';
    export const header = 'jp-ucdh-Compute-header';
    export const limits = 'jp-ucdh-Compute-limits';
    export const selected = 'jp-ucdh-Compute-selected';
    export const selectedName = 'jp-ucdh-Compute-selectedName';
    export const selectedSpec = 'jp-ucdh-Compute-selectedSpec';
    export const inputs = 'jp-ucdh-Compute-inputs';
    export const help = 'jp-ucdh-Compute-help';
    export const result = 'jp-ucdh-Compute-result';
    export const total = 'jp-ucdh-Compute-total';
    export const currency = 'jp-ucdh-Compute-currency';
    export const billing = 'jp-ucdh-Compute-billing';
    export const excludes = 'jp-ucdh-Compute-excludes';
    export const sortMark = 'jp-ucdh-Compute-sortMark';
    export const catalog = 'jp-ucdh-Compute-catalog';
    export const summaryHead = 'jp-ucdh-Compute-summaryHead';
    export const srOnly = 'jp-ucdh-Compute-srOnly';
    export const details = 'jp-ucdh-Compute-details';
    export const message = 'jp-ucdh-Compute-message';
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
    export const folder = 'jp-ucdh-S3-folder';
    export const name = 'jp-ucdh-S3-name';
    export const searchProgress = 'jp-ucdh-S3-searchProgress';
    export const searchCancel = 'jp-ucdh-S3-searchCancel';
    export const scroll = 'jp-ucdh-S3-scroll';
    export const matchName = 'jp-ucdh-S3-matchName';
    export const icon = 'jp-ucdh-S3-icon';
    export const matchWithin = 'jp-ucdh-S3-matchWithin';
    export const deleteSummary = 'jp-ucdh-S3-deleteSummary';
    export const bulkLabel = 'jp-ucdh-S3-bulkLabel';
    export const selectionBar = 'jp-ucdh-S3-selectionBar';
    export const selectionCount = 'jp-ucdh-S3-selectionCount';
    export const clearSelection = 'jp-ucdh-S3-clearSelection';
    export const bulk = 'jp-ucdh-S3-bulk';
    export const conflicts = 'jp-ucdh-S3-conflicts';
    export const destination = 'jp-ucdh-S3-destination';
    export const field = 'jp-ucdh-S3-field';
    export const destBucket = 'jp-ucdh-S3-destBucket';
    export const destPrefix = 'jp-ucdh-S3-destPrefix';
    export const destTargets = 'jp-ucdh-S3-destTargets';
    export const uploadDialog = 'jp-ucdh-S3-uploadDialog';
    export const toolbar = 'jp-ucdh-S3-toolbar';
    export const crumb = 'jp-ucdh-S3-crumb';
    export const separator = 'jp-ucdh-S3-separator';
    export const modified = 'jp-ucdh-S3-modified';
    export const storageClass = 'jp-ucdh-S3-class';
    export const rowActions = 'jp-ucdh-S3-rowActions';
    export const menuBackdrop = 'jp-ucdh-S3-menuBackdrop';
    export const menuCaption = 'jp-ucdh-S3-menuCaption';
    export const overlay = 'jp-ucdh-S3-overlay';
    export const uploads = 'jp-ucdh-S3-uploads';
    export const progressName = 'jp-ucdh-S3-progressName';
    export const progressText = 'jp-ucdh-S3-progressText';
    export const cancel = 'jp-ucdh-S3-cancel';
    export const dismiss = 'jp-ucdh-S3-dismiss';
    export const section = 'jp-ucdh-S3Section';
    export const transfers = 'jp-ucdh-S3-transfers';
    export const transferItem = 'jp-ucdh-S3-transferItem';
    export const window = 'jp-ucdh-S3-window';
    export const details = 'jp-ucdh-S3-details';
  }

  export namespace Runs {
    export const root = 'jp-ucdh-Runs';
    export const usage = 'jp-ucdh-Runs-usage';
    export const mail = 'jp-ucdh-Runs-mail';
    export const mailForm = 'jp-ucdh-Runs-mailForm';
    export const mailLine = 'jp-ucdh-Runs-mailLine';
    export const mailToggle = 'jp-ucdh-Runs-mailToggle';
    export const mailProblem = 'jp-ucdh-Runs-mailProblem';
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
    export const logRunId = 'jp-ucdh-Runs-logRunId';
    export const logDialog = 'jp-ucdh-RunLogDialog';
    export const section = 'jp-ucdh-RunsSection';
    export const bar = 'jp-ucdh-Runs-bar';
    export const list = 'jp-ucdh-Runs-list';
    export const head = 'jp-ucdh-Runs-head';
    export const name = 'jp-ucdh-Runs-name';
    export const backend = 'jp-ucdh-Runs-backend';
    export const facts = 'jp-ucdh-Runs-facts';
    export const type = 'jp-ucdh-Runs-type';
    export const exit = 'jp-ucdh-Runs-exit';
    export const actions = 'jp-ucdh-Runs-actions';
    export const html = 'jp-ucdh-Runs-html';
    export const databricks = 'jp-ucdh-Runs-databricks';
    export const started = 'jp-ucdh-Runs-started';
    export const live = 'jp-ucdh-Runs-live';
    export const progressBar = 'jp-ucdh-Runs-progressBar';
    export const progressText = 'jp-ucdh-Runs-progressText';
  }

  /** A parameter sweep: its editor in the run dialog, its children in the Runs section. */
  export namespace Sweep {
    export const editor = 'jp-ucdh-Sweep';
    export const toggle = 'jp-ucdh-Sweep-toggle';
    export const modes = 'jp-ucdh-Sweep-modes';
    export const values = 'jp-ucdh-Sweep-values';
    export const count = 'jp-ucdh-Sweep-count';
    export const table = 'jp-ucdh-Sweep-table';
    export const cell = 'jp-ucdh-Sweep-cell';
    export const addRow = 'jp-ucdh-Sweep-addRow';
    export const removeRow = 'jp-ucdh-Sweep-removeRow';
    export const pasteCsv = 'jp-ucdh-Sweep-pasteCsv';
    export const csv = 'jp-ucdh-Sweep-csv';
    export const useCsv = 'jp-ucdh-Sweep-useCsv';
    export const csvError = 'jp-ucdh-Sweep-csvError';
    export const parallel = 'jp-ucdh-Sweep-parallel';
    export const tableActions = 'jp-ucdh-Sweep-tableActions';
    export const more = 'jp-ucdh-Sweep-more';
    export const total = 'jp-ucdh-Sweep-total';
    export const summary = 'jp-ucdh-Sweep-summary';
    export const expand = 'jp-ucdh-Sweep-expand';
    export const children = 'jp-ucdh-Sweep-children';
    export const childrenScroll = 'jp-ucdh-Sweep-childrenScroll';
    export const child = 'jp-ucdh-Sweep-child';
    export const openChild = 'jp-ucdh-Sweep-openChild';
    export const exportCsv = 'jp-ucdh-Sweep-export';
  }

  /** Recurring runs: the editor in the run dialog, the Schedules panel of the Runs section. */
  export namespace Schedule {
    export const editor = 'jp-ucdh-Schedule';
    export const toggle = 'jp-ucdh-Schedule-toggle';
    export const kind = 'jp-ucdh-Schedule-kind';
    export const every = 'jp-ucdh-Schedule-every';
    export const minute = 'jp-ucdh-Schedule-minute';
    export const time = 'jp-ucdh-Schedule-time';
    export const days = 'jp-ucdh-Schedule-days';
    export const dayOfMonth = 'jp-ucdh-Schedule-dayOfMonth';
    export const cron = 'jp-ucdh-Schedule-cron';
    export const timezone = 'jp-ucdh-Schedule-timezone';
    export const endDate = 'jp-ucdh-Schedule-endDate';
    export const monthlyCost = 'jp-ucdh-Schedule-monthlyCost';
    export const panel = 'jp-ucdh-Schedules';
    export const heading = 'jp-ucdh-Schedules-heading';
    export const refresh = 'jp-ucdh-Schedules-refresh';
    export const list = 'jp-ucdh-Schedules-list';
    export const empty = 'jp-ucdh-Schedules-empty';
    export const row = 'jp-ucdh-Schedule-row';
    export const name = 'jp-ucdh-Schedule-name';
    export const description = 'jp-ucdh-Schedule-description';
    export const next = 'jp-ucdh-Schedule-next';
    export const state = 'jp-ucdh-Schedule-state';
    export const cost = 'jp-ucdh-Schedule-cost';
    export const runs = 'jp-ucdh-Schedule-runs';
    export const run = 'jp-ucdh-Schedule-run';
    export const actions = 'jp-ucdh-Schedule-actions';
    export const pause = 'jp-ucdh-Schedule-pause';
    export const edit = 'jp-ucdh-Schedule-edit';
    export const remove = 'jp-ucdh-Schedule-delete';
    export const editForm = 'jp-ucdh-Schedule-editForm';
    export const save = 'jp-ucdh-Schedule-save';
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
    export const help = 'jp-ucdh-RunDialog-help';
    export const counts = 'jp-ucdh-RunDialog-counts';
    export const history = 'jp-ucdh-RunDialog-history';
    export const verdict = 'jp-ucdh-RunDialog-verdict';
    export const body = 'jp-ucdh-RunDialog-body';
    export const notebook = 'jp-ucdh-RunDialog-notebook';
    export const machine = 'jp-ucdh-RunDialog-machine';
    export const backendChoice = 'jp-ucdh-RunDialog-backendChoice';
    export const unavailable = 'jp-ucdh-RunDialog-unavailable';
    export const reason = 'jp-ucdh-RunDialog-reason';
    export const cluster = 'jp-ucdh-RunDialog-cluster';
    export const grid = 'jp-ucdh-RunDialog-grid';
    export const clusterMode = 'jp-ucdh-RunDialog-clusterMode';
    export const workers = 'jp-ucdh-RunDialog-workers';
    export const notebookOnly = 'jp-ucdh-RunDialog-notebookOnly';
    export const content = 'jp-ucdh-RunDialog-content';
    export const runtime = 'jp-ucdh-RunDialog-runtime';
    export const expected = 'jp-ucdh-RunDialog-expected';
    export const fileActions = 'jp-ucdh-RunDialog-fileActions';
    export const fileList = 'jp-ucdh-RunDialog-fileList';
    export const secret = 'jp-ucdh-RunDialog-secret';
    export const size = 'jp-ucdh-RunDialog-size';
    export const packages = 'jp-ucdh-RunDialog-packages';
    export const unresolved = 'jp-ucdh-RunDialog-unresolved';
    export const python = 'jp-ucdh-RunDialog-python';
    export const image = 'jp-ucdh-RunDialog-image';
    export const packageSource = 'jp-ucdh-RunDialog-packageSource';
  }

  /** The Run on AWS button of the notebook toolbar. */
  export const runButton = 'jp-ucdh-RunButton';
}
