/**
 * Typed wrappers of the server routes.
 *
 * Every type of the wire is generated from the server's OpenAPI document
 * (`ucdh_jupyter/openapi.yaml` → `schema.ts`, `jlpm schema`): the names here
 * are aliases, so the browser cannot expect a field the server does not
 * document, and `jlpm lint:check` fails when `schema.ts` is stale.
 */
import { ServerConnection } from '@jupyterlab/services';

import { postAPI, requestAPI } from './request';
import type { components, paths } from './schema';

/** The schemas of the OpenAPI document. */
export type Schemas = components['schemas'];

/** The JSON body of an operation's 200 answer. */
export type JSONOf<Operation> = Operation extends {
  responses: { 200: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

/** Where the extension sends AWS calls: real AWS, or the local demo stand-in. */
export type Mode = Schemas['Status']['mode'];

/** A problem the user can act on, as the server's error translator reports it. */
export type IProblem = Schemas['Problem'];

/** Who the credentials belong to (STS GetCallerIdentity). */
export type IIdentity = NonNullable<IStatus['identity']>;

/** `GET status`: identity, region, mode, versions and any credential problem. */
export type IStatus = Schemas['Status'];

/** The machine this JupyterLab itself runs on, what it costs and how long it has idled. */
export type IWorkspace = Schemas['Workspace'];

/** Where a run's machine installs Python packages from (the administrator's choice). */
export type IPackageSource = Schemas['PackageSource'];

/** Who the user is in the Databricks workspace, or what is wrong with it. */
export type IDatabricksStatus = NonNullable<IStatus['databricks']>;

/** A named S3 location an administrator offers to users. */
export type ILocation = IConfig['locations'][number];

/** Which areas of the extension an administrator turned on. */
export type IFeatures = IConfig['features'];

/** `GET config`: the non-secret part of the administrator's configuration. */
export type IConfig = Schemas['Config'];

/** The administrator's run settings (`GET config`). */
export type IRunsConfig = IConfig['runs'];

/** Whether a backend can run notebooks here and, when not, why and how to fix it. */
export type IBackendAvailability = Schemas['BackendAvailability'];

/** What a Databricks run may use: the compute kinds the admin allows and the worker limits. */
export type IDatabricksBackend = IRunBackends['databricks'];

/** The run backends of `GET config`. */
export type IRunBackends = IRunsConfig['backends'];

/**
 * The compute of a Databricks run: a job cluster created for it (node type
 * and workers), serverless compute, or the cluster the admin names.
 */
export type ClusterMode = IDatabricksBackend['cluster_modes'][number];

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
export type Backend = NonNullable<IEstimateRequest['backend']>;

/** Where the prices shown come from, and how fresh they are. */
export type IPriceSource = Schemas['PriceSource'];

/** Query of `GET compute/catalog`; every field is optional. */
export type ICatalogQuery = Schemas['CatalogQuery'];

/** The administrator's limits on what a user may launch. */
export type IComputeLimits = Schemas['ComputeLimits'];

/** A plain-language starting point ("Small", "GPU") for newcomers. */
export type IComputePreset = Schemas['ComputePreset'];

/** One EC2 instance type with its prices and whether the admin allows it. */
export type IInstanceType = Schemas['InstanceType'];

/** `GET compute/catalog`: the matching types of the region, with presets and limits. */
export type ICatalog = Schemas['Catalog'];

/** Body of `POST compute/estimate`. */
export type IEstimateRequest = Schemas['EstimateBody'];

/** One line of an estimate, e.g. the EC2 price or the Databricks DBUs. */
export type IEstimateLine = IEstimate['breakdown'][number];

/** `POST compute/estimate`: the low–high cost of a job and how it was computed. */
export type IEstimate = Schemas['Estimate'];

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
export type RunState = Schemas['RunState'];

/** Why a run failed. */
export type FailureKind = NonNullable<IRun['failure_kind']>;

/** How far the notebook got, from the run's last heartbeat. */
export type IRunProgress = IRun['progress'];

/** One execution of a notebook on a backend (`Run.to_json`). */
export type IRun = Schemas['Run'];

/** A file of the notebook's folder that may be sent along with it. */
export type IRunFile = IRunPrepare['files'][number];

/** What the run's machine installs, and where the list comes from. */
export type IRunEnvironment = IRunPrepare['environment'];

/** The Python a run's machine installs, against the notebook kernel's. */
export type IRunPython = NonNullable<IRunPrepare['python']>;

/** The image (AMI) a run's machine boots, as the administrator configured it. */
export type IRunImage = Schemas['RunImage'];

/** `POST runs/prepare`: what the run dialog shows before submitting. */
export type IRunPrepare = Schemas['RunDialog'];

/** What to price in `POST runs/prepare`, besides the notebook. */
export type IRunCostQuery = Omit<Schemas['RunPrepareBody'], 'notebook_path'>;

/** The expected and max runtime as the server reads them (`runtime` of `runs/prepare`). */
export type IRunRuntime = Schemas['RunRuntime'];

/** The server's verdict on submitting this run now, from the checks a submit makes. */
export type IRunVerdict = IRunCost['verdict'];

/** The last successful run of the same notebook on the same backend and machines. */
export type IRunHistory = NonNullable<IRunCost['history']>;

/** The cost block of `POST runs/prepare`, as the server checks it on submit. */
export type IRunCost = Schemas['RunCost'];

/** Why the server would refuse a request, without a status. */
export interface IProblemText {
  code: string;
  message: string;
  hint: string;
}

/** Body of `POST runs`. */
export type IRunRequest = Schemas['RunBody'];

/** This month's runs of the user against the per-user caps (`GET runs`). */
export type IRunUsage = Schemas['RunUsage'];

/** `GET runs`: the user's runs and this month's usage. */
export type IRunList = Schemas['RunList'];

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
export type IRunOutput = JSONOf<paths['/runs/{id}/output']['post']>;

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
export type RunLogSource = NonNullable<IRunLog['source']>;

/** `GET runs/<id>/log`: the end of one log of a run. */
export type IRunLog = JSONOf<paths['/runs/{id}/log']['get']>;

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
