/**
 * The runs area's routes: list, prepare, submit, follow, cancel and collect
 * the runs of notebooks, and the run settings of `GET config`. Types are
 * aliases of the generated `schema.ts`.
 */
import type { JSONOf, Schemas } from '../api';
import type { paths } from '../schema';
import type { ApiGateway } from '../request';
import type { IConfig } from '../status/api';

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

/** One child of a sweep, as its engine (AWS Batch, Databricks) reported it. */
export type IRunChild = Schemas['RunChild'];

/** Where a sweep's child is in its life. */
export type ChildState = IRunChild['state'];

/** `sweep` of `POST runs`: rows of parameter values, or a grid whose product gives them. */
export type ISweepBody = Schemas['SweepBody'];

/** The whole sweep's figures in the cost block (its other figures are per child). */
export type ISweepCost = Schemas['SweepCost'];

/** `POST runs/<id>/children/<i>/output` and `…/children/export`: the file written. */
export type IChildOutput = Schemas['ChildOutput'];

/** Body of `POST runs`. */
export type IRunRequest = Schemas['RunBody'];

/** This month's runs of the user against the per-user caps (`GET runs`). */
export type IRunUsage = Schemas['RunUsage'];

/** `GET runs`: the user's runs and this month's usage. */
export type IRunList = Schemas['RunList'];

/** `POST runs/<id>/output`: where the run's results were copied. */
export type IRunOutput = JSONOf<paths['/runs/{id}/output']['post']>;

/**
 * Which log of a run: the runner's (the notebook's output), or an EC2
 * machine's boot log (what happened before the runner started).
 */
export type RunLogSource = NonNullable<IRunLog['source']>;

/** `GET runs/<id>/log`: the end of one log of a run. */
export type IRunLog = JSONOf<paths['/runs/{id}/log']['get']>;

/** Whether the user is told by e-mail when their runs end (`runs/notifications`). */
export type INotificationStatus = Schemas['NotificationStatus'];
/** `client.runs`: the run routes. */
export class RunsAPI {
  /** @param gateway the client's HTTP gateway (its server settings) */
  constructor(private readonly _gateway: ApiGateway) {}

  /**
   * List the runs this server knows (also those started from another tab or
   * before a restart), newest first, with this month's usage.
   *
   * @param signal aborts the request, e.g. when the section is hidden
   */
  listRuns(signal?: AbortSignal): Promise<IRunList> {
    // `no-cache`: every poll asks the server, without the timestamp parameter
    // JupyterLab's default `no-store` adds.
    return this._gateway.request<IRunList>('runs', {
      method: 'GET',
      cache: 'no-cache',
      signal
    });
  }

  /**
   * Read a notebook's parameters, sibling files and environment for the run dialog.
   *
   * @param notebookPath path under the Jupyter root
   * @param cost with an instance type, the answer also carries its cost block
   */
  prepareRun(
    notebookPath: string,
    signal?: AbortSignal,
    cost?: IRunCostQuery
  ): Promise<IRunPrepare> {
    return this._gateway.post<IRunPrepare>(
      'runs/prepare',
      { notebook_path: notebookPath, ...cost },
      signal
    );
  }

  /**
   * Submit a run; the server answers as soon as the launch request is accepted.
   *
   * Submitting the same `run_id` again returns the first run: one machine.
   */
  submitRun(body: IRunRequest): Promise<IRun> {
    return this._gateway.post<IRun>('runs', body);
  }

  /** Fetch one run. */
  getRun(runId: string, signal?: AbortSignal): Promise<IRun> {
    return this._gateway.request<IRun>(`runs/${encodeURIComponent(runId)}`, {
      method: 'GET',
      cache: 'no-cache',
      signal
    });
  }

  /** Ask a run to stop; it saves its partial output, then its machine is terminated. */
  cancelRun(runId: string): Promise<IRun> {
    return this._gateway.post<IRun>(
      `runs/${encodeURIComponent(runId)}/cancel`,
      undefined
    );
  }

  /** Copy the executed (or partial) notebook, and any HTML view, next to the original. */
  copyRunOutput(runId: string): Promise<IRunOutput> {
    return this._gateway.post<IRunOutput>(
      `runs/${encodeURIComponent(runId)}/output`,
      undefined
    );
  }

  /** Copy one sweep child's executed notebook next to the original. */
  copyChildOutput(runId: string, index: number): Promise<IChildOutput> {
    return this._gateway.post<IChildOutput>(
      `runs/${encodeURIComponent(runId)}/children/${index}/output`,
      undefined
    );
  }

  /** Write a sweep's children (parameters, state, cost, glued values) as CSV next to the notebook. */
  exportChildren(runId: string): Promise<IChildOutput> {
    return this._gateway.post<IChildOutput>(
      `runs/${encodeURIComponent(runId)}/children/export`,
      undefined
    );
  }

  /** The end of one log of a run (the runner's unless `source` says otherwise). */
  getRunLog(
    runId: string,
    source: RunLogSource = 'runner',
    signal?: AbortSignal
  ): Promise<IRunLog> {
    const query = source === 'runner' ? '' : `?source=${source}`;
    return this._gateway.request<IRunLog>(
      `runs/${encodeURIComponent(runId)}/log${query}`,
      { method: 'GET', cache: 'no-cache', signal }
    );
  }

  /** Whether this user is told by e-mail when their runs end. */
  getNotifications(signal?: AbortSignal): Promise<INotificationStatus> {
    return this._gateway.request<INotificationStatus>('runs/notifications', {
      method: 'GET',
      cache: 'no-cache',
      signal
    });
  }

  /** Tell `address` when each run ends; SNS mails it a link to confirm first. */
  setNotifications(address: string): Promise<INotificationStatus> {
    const body: Schemas['NotificationBody'] = { address };
    return this._gateway.request<INotificationStatus>('runs/notifications', {
      method: 'PUT',
      body: JSON.stringify(body)
    });
  }

  /** Stop the e-mails; the subscription is removed. */
  stopNotifications(): Promise<INotificationStatus> {
    return this._gateway.request<INotificationStatus>('runs/notifications', {
      method: 'DELETE'
    });
  }
}
