/**
 * Typed wrappers of the server routes.
 *
 * The interfaces mirror the JSON the Python handlers return, snake_case keys
 * included, so a field renamed on one side is easy to find on the other.
 */
import { ServerConnection } from '@jupyterlab/services';

import { postAPI, requestAPI } from './request';

/** Where the extension sends AWS calls: real AWS, or the local demo stand-in. */
export type Mode = 'aws' | 'local';

/** A problem the user can act on, as the server's error translator reports it. */
export interface IProblem {
  status: number;
  code: string;
  message: string;
  hint: string;
}

/** Who the credentials belong to (STS GetCallerIdentity). */
export interface IIdentity {
  account: string;
  arn: string;
  user_id: string;
}

/** `GET status`: identity, region, mode, versions and any credential problem. */
export interface IStatus {
  mode: Mode;
  region: string | null;
  endpoint_url: string | null;
  profile: string | null;
  identity: IIdentity | null;
  /** Set when the credentials do not work; the request itself still succeeds. */
  problem: IProblem | null;
  versions: Record<string, string>;
  /** The Databricks workspace runs go to; null when none is configured, absent from older servers. */
  databricks?: IDatabricksStatus | null;
  /** Where run machines install packages from; null when runs are off, absent from older servers. */
  package_source?: IPackageSource | null;
  /** The machine this JupyterLab runs on; null when it cannot be told, absent from older servers. */
  workspace?: IWorkspace | null;
}

/** The machine this JupyterLab itself runs on, what it costs and how long it has idled. */
export interface IWorkspace {
  platform: 'sagemaker' | 'ec2' | 'configured';
  /** For people: "SageMaker Studio space cardio-study", "EC2 instance". */
  where: string;
  instance_type: string;
  vcpu: number | null;
  /** On-demand USD per hour; null when unknown (never guessed). */
  price_per_hour: number | null;
  price_source: string | null;
  kernels: { running: number; busy: number; idle_seconds: number };
  /** At or above the administrator's $/h or vCPU threshold. */
  large: boolean;
  /** Set when a large machine has idled past the administrator's threshold. */
  suggestion: { message: string; reason: string } | null;
}

/** Where a run's machine installs Python packages from (the administrator's choice). */
export interface IPackageSource {
  kind: 'codeartifact' | 'index' | 'wheel_cache' | 'pypi';
  /** For people, no credential: e.g. "the S3 wheel cache (no internet needed)". */
  label: string;
}

/** Who the user is in the Databricks workspace, or what is wrong with it. */
export interface IDatabricksStatus {
  host: string;
  user: string | null;
  workspace_id: string | null;
  /** Set when the workspace cannot be used; the status request itself still succeeds. */
  problem: IProblem | null;
}

/** A named S3 location an administrator offers to users. */
export interface ILocation {
  name: string;
  bucket: string;
  prefix: string;
}

/** Which areas of the extension an administrator turned on. */
export interface IFeatures {
  s3: boolean;
  compute: boolean;
  runs: boolean;
}

/** `GET config`: the non-secret part of the administrator's configuration. */
export interface IConfig {
  mode: Mode;
  region: string | null;
  profile: string | null;
  locations: ILocation[];
  allowed_buckets: string[];
  sse_kms: boolean;
  presigned_urls: boolean;
  features: IFeatures;
  /** What the run dialog and the Runs section need; absent from older servers. */
  runs?: IRunsConfig;
}

/** The administrator's run settings (`GET config`). */
export interface IRunsConfig {
  /** The admin allows runs. */
  enabled: boolean;
  /** A runs bucket is set; without one, submitting is refused. */
  configured: boolean;
  default_max_hours: number;
  max_hours_cap: number;
  budget_per_run_usd: number | null;
  max_notebook_mb: number;
  max_files_mb: number;
  /** How often a running notebook reports, in seconds. */
  heartbeat_seconds: number;
  /** Disk of an EC2 run machine, in GB; absent from older servers. */
  volume_gb?: number;
  /** Which backends can run here; absent from older servers (EC2 only). */
  backends?: IRunBackends;
}

/** Whether a backend can run notebooks here and, when not, why and how to fix it. */
export interface IBackendAvailability {
  available: boolean;
  reason: string | null;
  hint: string | null;
}

/** What a Databricks run may use: the compute kinds the admin allows and the worker limits. */
export interface IDatabricksBackend extends IBackendAvailability {
  cluster_modes: ClusterMode[];
  default_cluster_mode: string;
  default_workers: number;
  max_workers: number;
}

/** The run backends of `GET config`. */
export interface IRunBackends {
  ec2: IBackendAvailability;
  databricks: IDatabricksBackend;
}

/**
 * The compute of a Databricks run: a job cluster created for it (node type
 * and workers), serverless compute, or the cluster the admin names.
 */
export type ClusterMode = 'new_cluster' | 'serverless' | 'existing_cluster';

/**
 * Fetch who the user is in AWS and whether their credentials work.
 *
 * @param settings server connection settings; the page's own by default
 * @param signal aborts the request, e.g. when the panel is hidden
 */
export function getStatus(
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IStatus> {
  return requestAPI<IStatus>('status', { method: 'GET', signal }, settings);
}

/**
 * Fetch only the machine this JupyterLab runs on and its kernels' idle time
 * (no identity checks), for the header to follow the idle time.
 *
 * @param settings server connection settings; the page's own by default
 * @param signal aborts the request
 */
export function getWorkspace(
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<{ workspace: IWorkspace | null }> {
  return requestAPI<{ workspace: IWorkspace | null }>(
    'status/workspace',
    { method: 'GET', signal },
    settings
  );
}

/**
 * Fetch the non-secret configuration (locations, features, encryption).
 *
 * @param settings server connection settings; the page's own by default
 * @param signal aborts the request
 */
export function getConfig(
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IConfig> {
  return requestAPI<IConfig>('config', { method: 'GET', signal }, settings);
}

/** Where a run executes; also selects the pricing rules of an estimate. */
export type Backend = 'ec2' | 'databricks';

/** Where the prices shown come from, and how fresh they are. */
export interface IPriceSource {
  source: 'live' | 'cached' | 'bundled' | 'unknown';
  /** ISO date or timestamp of the price data; null when the source is unknown. */
  as_of: string | null;
  /** A sentence on the origin (API, cache file, snapshot) for a tooltip. */
  detail: string;
}

/** Query of `GET compute/catalog`; every field is optional. */
export interface ICatalogQuery {
  min_vcpu?: number;
  min_memory_gib?: number;
  gpu?: 'any' | 'yes' | 'no';
  gpu_model?: string;
  arch?: 'x86_64' | 'arm64';
  family?: string;
  max_price?: number;
  sort?:
    | 'name'
    | 'price'
    | 'vcpu'
    | 'memory'
    | 'price_per_vcpu'
    | 'price_per_gib'
    | 'gpu_memory';
  order?: 'asc' | 'desc';
  backend?: Backend;
}

/** The administrator's limits on what a user may launch. */
export interface IComputeLimits {
  max_price_per_hour: number | null;
  max_gpus: number | null;
  /** Empty: every family is allowed. */
  allowed_families: string[];
  /** Empty: every type is allowed. */
  allowed_types: string[];
  max_runtime_hours: number;
}

/** A plain-language starting point ("Small", "GPU") for newcomers. */
export interface IComputePreset {
  key: string;
  label: string;
  description: string;
  filters: ICatalogQuery;
  /** The type the preset suggests; null when none is offered and allowed. */
  instance_type: string | null;
}

/** One EC2 instance type with its prices and whether the admin allows it. */
export interface IInstanceType {
  name: string;
  family: string;
  vcpu: number;
  memory_gib: number;
  arch: string[];
  gpu_count: number;
  gpu_model: string | null;
  /** Memory of each GPU. */
  gpu_memory_gib: number | null;
  local_nvme_gb: number | null;
  network: string;
  burstable: boolean;
  price_per_hour: number | null;
  price_per_vcpu_hour: number | null;
  price_per_gib_hour: number | null;
  spot_price_per_hour: number | null;
  allowed: boolean;
  /** Why the type is outside the admin's limits; null when allowed. */
  reason: string | null;
}

/** `GET compute/catalog`: the matching types of the region, with presets and limits. */
export interface ICatalog {
  region: string;
  /** The backend whose node prices the rows show (Databricks adds DBUs). */
  backend: Backend;
  prices: IPriceSource;
  /** Where the spot prices come from (`fake` in the local demo). */
  spot: { source: string; as_of: string; detail: string };
  /** Types in the region before filtering. */
  total: number;
  /** Types matching the query (the length of `types`). */
  count: number;
  /** Databricks: only the node types the configured workspace offers are listed. */
  workspace_node_types?: boolean;
  limits: IComputeLimits;
  presets: IComputePreset[];
  types: IInstanceType[];
}

/** Body of `POST compute/estimate`. */
export interface IEstimateRequest {
  backend: Backend;
  instance_type: string;
  /** Machines on EC2; workers on Databricks (the server adds the driver). */
  count: number;
  hours_low: number;
  hours_high: number;
  ebs_gb: number;
}

/** One line of an estimate, e.g. the EC2 price or the Databricks DBUs. */
export interface IEstimateLine {
  item: string;
  rate_per_hour: number;
  low: number;
  high: number;
}

/** `POST compute/estimate`: the low–high cost of a job and how it was computed. */
export interface IEstimate {
  currency: string;
  backend: Backend;
  instance_type: string;
  /** Machines billed, the Databricks driver included. */
  nodes: number;
  hours_low: number;
  hours_high: number;
  /** Null when the type's price is unknown. */
  low: number | null;
  high: number | null;
  breakdown: IEstimateLine[];
  /** The billing rule applied, e.g. per second with a 60 s minimum. */
  billing: string;
  /** What the figure leaves out (discounts, data transfer, tax). */
  excludes: string[];
  prices: IPriceSource;
  allowed: boolean;
  reason: string | null;
}

/**
 * Fetch the instance types matching `query`, with prices, presets and limits.
 *
 * @param query filters and sort; unset fields are not sent
 * @param settings server connection settings; the page's own by default
 * @param signal aborts the request when a newer query supersedes it
 */
export function getCatalog(
  query: ICatalogQuery = {},
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<ICatalog> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') {
      params.set(key, String(value));
    }
  }
  const search = params.toString();
  // `no-cache` revalidates with the server's ETag (a repeat load of the
  // ~500 kB catalog is a 304). JupyterLab's default `no-store` would instead
  // append a timestamp parameter, which the catalog refuses as unknown.
  return requestAPI<ICatalog>(
    `compute/catalog${search ? `?${search}` : ''}`,
    { method: 'GET', cache: 'no-cache', signal },
    settings
  );
}

/**
 * Estimate what a job costs on one instance type for a range of hours.
 *
 * @param body backend, type, machine count, hours and disk size
 * @param settings server connection settings; the page's own by default
 * @param signal aborts the request when the user keeps typing
 */
export function estimateCost(
  body: IEstimateRequest,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IEstimate> {
  return postAPI<IEstimate>('compute/estimate', body, settings, signal);
}

/** Where a run is in its life; it only moves forward (see `runs/model.py`). */
export type RunState =
  | 'STAGING'
  | 'SUBMITTED'
  | 'PROVISIONING'
  | 'RUNNING'
  | 'FINALIZING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELLED'
  | 'EXPIRED';

/** Why a run failed. */
export type FailureKind =
  'notebook_error' | 'kernel_died' | 'timeout' | 'infrastructure' | 'staging';

/** How far the notebook got, from the run's last heartbeat. */
export interface IRunProgress {
  /** Cells executed so far. */
  cell: number;
  /** Cells in the notebook; 0 until the runner reported. */
  cells: number;
  /** The end of the output of the cell being executed. */
  last_lines: string[];
  heartbeat_at: string | null;
}

/** One execution of a notebook on a backend (`Run.to_json`). */
export interface IRun {
  id: string;
  backend: Backend;
  owner: string;
  notebook_path: string;
  instance_type: string;
  max_hours: number;
  created_at: string;
  /** When the machine is terminated whatever happens. */
  deadline: string;
  parameters: Record<string, unknown>;
  /** Machines billed (EC2: always 1; Databricks: workers + the driver). */
  count: number;
  /** Databricks workers (the driver not included); null on EC2. */
  workers: number | null;
  /** Null on EC2. */
  cluster_mode: ClusterMode | null;
  files: string[];
  environment: string;
  state: RunState;
  updated_at: string | null;
  history: { state: RunState; at: string }[];
  failure_kind: FailureKind | null;
  failure_message: string | null;
  /** 1-based index of the cell that raised, when known. */
  failing_cell: number | null;
  progress: IRunProgress;
  rate_usd_per_hour: number | null;
  cost_so_far_usd: number | null;
  cost_final_usd: number | null;
  started_at: string | null;
  ended_at: string | null;
  bucket: string;
  prefix: string;
  input_uri: string | null;
  partial_uri: string | null;
  output_uri: string | null;
  log_uri: string | null;
  instance_id: string | null;
  databricks_run_id: number | null;
  /** The run's page in the Databricks workspace. */
  databricks_run_url: string | null;
  /** What the notebook handed back (Databricks: `dbutils.notebook.exit`); absent from older servers. */
  exit_value?: string | null;
  databricks_host: string | null;
  /** EC2: the Python minor version the machine installs; null: the image's python3. */
  python_version?: string | null;
}

/** A file of the notebook's folder that may be sent along with it. */
export interface IRunFile {
  /** Relative to the notebook's folder. */
  path: string;
  size: number;
  /** Looks like a secret (`.env`, keys): offered unchecked. */
  sensitive: boolean;
  /** A result an earlier run copied back: offered unchecked (absent from older servers). */
  previous_result?: boolean;
}

/** What the run's machine installs, and where the list comes from. */
export interface IRunEnvironment {
  /** `requirements.txt`, or the notebook's imports pinned to its kernel's environment. */
  source: string;
  packages: string[];
  /** Imports no installed package provides (e.g. the notebook's own modules). */
  unresolved: string[];
  /** Why the kernel's packages could not be read; absent from older servers. */
  problem?: string | null;
}

/** The Python a run's machine installs, against the notebook kernel's. */
export interface IRunPython {
  /** The kernel's Python (`3.10`); null for R kernels or when it cannot be read. */
  kernel: string | null;
  /** The run's Python; null: the image's python3. */
  version: string | null;
  /** Why the run's Python is not the kernel's; null when it is. */
  note: string | null;
}

/** The image (AMI) a run's machine boots, as the administrator configured it. */
export interface IRunImage {
  /** E.g. "Amazon Linux 2023", or "Deep Learning Base AMI with NVIDIA driver (Amazon Linux 2023)". */
  name: string;
  /** `ssm:<public parameter>` (`{arch}`: x86_64 or arm64), or `ami:<id>` when pinned. */
  source: string;
}

/** `POST runs/prepare`: what the run dialog shows before submitting. */
export interface IRunPrepare {
  notebook_path: string;
  /** Names of the parameters cell with their defaults (null when not a literal). */
  parameters: Record<string, unknown>;
  files: IRunFile[];
  environment: IRunEnvironment;
  default_max_hours: number;
  max_hours_cap: number;
  /** Highest maximum cost of one run; null when there is no budget. */
  budget_usd: number | null;
  max_files_mb: number;
  /** Id to submit with, so a double submit launches one machine. */
  new_run_id: string;
  /** The image an EC2 machine boots: types without GPUs, and GPU types (with a driver). */
  images: { standard: IRunImage; gpu: IRunImage };
  /** Where the machine installs packages from; absent from older servers. */
  package_source?: IPackageSource;
  /** The Python the machine installs; absent from older servers. */
  python?: IRunPython;
  /** The expected and max runtime of the request (defaults without one). */
  runtime: IRunRuntime;
  /** Present when the request named an instance type. */
  cost?: IRunCost | null;
}

/** What to price in `POST runs/prepare`, besides the notebook. */
export interface IRunCostQuery {
  /** Absent for Databricks serverless or existing-cluster runs, which have no node type. */
  instance_type?: string;
  backend?: Backend;
  /** Databricks: workers; the server prices them and the driver. */
  workers?: number;
  cluster_mode?: ClusterMode;
  /** The expected runtime, low–high hours. */
  hours_low?: number;
  hours_high?: number;
  /** The max runtime the researcher typed; absent: twice the expected end, within the cap. */
  max_hours?: number | null;
}

/** The expected and max runtime as the server reads them (`runtime` of `runs/prepare`). */
export interface IRunRuntime {
  hours_low: number;
  hours_high: number;
  /** The max runtime a submit sends: the typed one, else {@link max_hours_default}. */
  max_hours: number;
  /** Twice the expected end, at most the admin's cap, at least the backend's minimum. */
  max_hours_default: number;
  max_hours_typed: boolean;
  /** Twice the expected end was above the cap (the note says so). */
  max_hours_capped: boolean;
  max_hours_cap: number;
  min_hours: number;
  /** How the max runtime was chosen, in words. */
  note: string;
}

/** The server's verdict on submitting this run now, from the checks a submit makes. */
export interface IRunVerdict {
  ok: boolean;
  /** Null when ok. */
  code: string | null;
  /** Why it may go (each limit with its figure) or why not. */
  message: string;
  hint?: string;
}

/** The last successful run of the same notebook on the same backend and machines. */
export interface IRunHistory {
  hours: number;
  cost_usd: number | null;
  started_at: string | null;
  /** E.g. "Last successful run of this notebook on 1 t3.micro on EC2: 12 min, $0.01." */
  text: string;
}

/** The cost block of `POST runs/prepare`, as the server checks it on submit. */
export interface IRunCost extends IRunRuntime {
  instance_type: string;
  backend: Backend;
  /** Machines billed: 1 on EC2, workers + the driver on a job cluster. */
  count: number;
  /** One machine, everything included (EC2, DBUs, disk); null when the price is unknown. */
  rate_usd_per_hour: number | null;
  price: {
    ec2_usd_per_hour: number | null;
    dbu_per_hour: number;
    usd_per_dbu: number;
    disk_gb: number;
    disk_usd_per_hour: number;
  };
  expected_low_usd: number | null;
  expected_high_usd: number | null;
  /** What the expected range counts, e.g. "1–2 h × 1 t3.large at $0.0832/h + 30 GB disk at $0.0033/h". */
  expected_counts: string;
  /** Every machine until the max runtime: what the budget is checked against. */
  max_cost_usd: number | null;
  max_counts: string;
  history: IRunHistory | null;
  budget_usd: number | null;
  allowed: boolean;
  /** Why the admin's limits refuse the type. */
  reason: string | null;
  verdict: IRunVerdict;
  prices: IPriceSource;
}

/** Why the server would refuse a request, without a status. */
export interface IProblemText {
  code: string;
  message: string;
  hint: string;
}

/** Body of `POST runs`. */
export interface IRunRequest {
  notebook_path: string;
  instance_type: string;
  max_hours: number;
  parameters: Record<string, unknown>;
  files: string[];
  include_sensitive: boolean;
  backend: Backend;
  /** Machines billed: 1 on EC2, workers + the driver on a Databricks job cluster. */
  count: number;
  /** Databricks only: workers (0 to the admin's maximum). */
  workers?: number;
  /** Databricks only; `new_cluster` by default. */
  cluster_mode?: ClusterMode;
  run_id: string;
}

/** This month's runs of the user against the per-user caps (`GET runs`). */
export interface IRunUsage {
  /** The calendar month (UTC) counted, e.g. `2026-12`. */
  month: string;
  /** Its name, e.g. `December`. */
  month_name: string;
  /** What the monthly cap counts: finished runs at their cost, live runs at their maximum. */
  used_usd: number;
  /** What this month's runs cost so far. */
  spent_usd: number;
  /** The monthly budget per user; null when there is none. */
  monthly_budget_usd: number | null;
  /** Runs not over yet. */
  live_runs: number;
  /** The most runs a user may have going at once. */
  max_concurrent: number;
}

/** `GET runs`: the user's runs and their usage; `usage` is absent from older servers. */
export interface IRunList {
  runs: IRun[];
  usage?: IRunUsage;
}

/**
 * List the runs this server knows (also those started from another tab or
 * before a restart), newest first, with this month's usage.
 *
 * @param settings server connection settings; the page's own by default
 * @param signal aborts the request, e.g. when the section is hidden
 */
export function listRuns(
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IRunList> {
  // `no-cache`: every poll asks the server, without the timestamp parameter
  // JupyterLab's default `no-store` adds.
  return requestAPI<IRunList>(
    'runs',
    { method: 'GET', cache: 'no-cache', signal },
    settings
  );
}

/**
 * Read a notebook's parameters, sibling files and environment for the run dialog.
 *
 * @param notebookPath path under the Jupyter root
 * @param cost with an instance type, the answer also carries its cost block
 */
export function prepareRun(
  notebookPath: string,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal,
  cost?: IRunCostQuery
): Promise<IRunPrepare> {
  return postAPI<IRunPrepare>(
    'runs/prepare',
    { notebook_path: notebookPath, ...cost },
    settings,
    signal
  );
}

/**
 * Submit a run; the server answers as soon as the launch request is accepted.
 *
 * Submitting the same `run_id` again returns the first run: one machine.
 */
export function submitRun(
  body: IRunRequest,
  settings?: ServerConnection.ISettings
): Promise<IRun> {
  return postAPI<IRun>('runs', body, settings);
}

/** Fetch one run. */
export function getRun(
  runId: string,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IRun> {
  return requestAPI<IRun>(
    `runs/${encodeURIComponent(runId)}`,
    { method: 'GET', cache: 'no-cache', signal },
    settings
  );
}

/** Ask a run to stop; it saves its partial output, then its machine is terminated. */
export function cancelRun(
  runId: string,
  settings?: ServerConnection.ISettings
): Promise<IRun> {
  return postAPI<IRun>(
    `runs/${encodeURIComponent(runId)}/cancel`,
    undefined,
    settings
  );
}

/** `POST runs/<id>/output`: where the run's results were copied. */
export interface IRunOutput {
  /**
   * The executed notebook under the Jupyter root, `<name>.run-<UTC date-time>.ipynb`;
   * null when the run saved none (a Databricks run cancelled early has only its HTML view).
   */
  path: string | null;
  /** Databricks: the run's HTML view exported next to it, when there is one. */
  html_path?: string | null;
}

/** Copy the executed (or partial) notebook, and any HTML view, next to the original. */
export function copyRunOutput(
  runId: string,
  settings?: ServerConnection.ISettings
): Promise<IRunOutput> {
  return postAPI<IRunOutput>(
    `runs/${encodeURIComponent(runId)}/output`,
    undefined,
    settings
  );
}

/**
 * Which log of a run: the runner's (the notebook's output), or an EC2
 * machine's boot log (what happened before the runner started).
 */
export type RunLogSource = 'runner' | 'boot';

/** `GET runs/<id>/log`: the end of one log of a run. */
export interface IRunLog {
  log: string;
  /** Absent from older servers, which have the runner's log only. */
  source?: RunLogSource;
  /** Boot log: false until the machine has uploaded it (when it stops). */
  available?: boolean;
  /** Boot log: longer than the server returns; `log` is its end. */
  truncated?: boolean;
  /** Boot log: the whole log's size in bytes. */
  size?: number;
}

/** The end of one log of a run (the runner's unless `source` says otherwise). */
export function getRunLog(
  runId: string,
  source: RunLogSource = 'runner',
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IRunLog> {
  const query = source === 'runner' ? '' : `?source=${source}`;
  return requestAPI<IRunLog>(
    `runs/${encodeURIComponent(runId)}/log${query}`,
    { method: 'GET', cache: 'no-cache', signal },
    settings
  );
}
