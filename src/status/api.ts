/**
 * The status area's routes: who the user is in AWS (`GET status`), the
 * workspace machine (`GET status/workspace`) and the administrator's
 * non-secret configuration (`GET config`). Types are aliases of the generated
 * `schema.ts`.
 */
import type { Schemas } from '../api';
import type { ApiGateway } from '../request';

/** Where the extension sends AWS calls: real AWS, or the local demo stand-in. */
export type Mode = Schemas['Status']['mode'];

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

/** `client.status`: the status and config routes. */
export class StatusAPI {
  /** @param gateway the client's HTTP gateway (its server settings) */
  constructor(private readonly _gateway: ApiGateway) {}

  /**
   * Fetch who the user is in AWS and whether their credentials work.
   *
   * @param signal aborts the request, e.g. when the panel is hidden
   */
  getStatus(signal?: AbortSignal): Promise<IStatus> {
    return this._gateway.request<IStatus>('status', { method: 'GET', signal });
  }

  /**
   * Fetch only the machine this JupyterLab runs on and its kernels' idle time
   * (no identity checks), for the header to follow the idle time.
   *
   * @param signal aborts the request
   */
  getWorkspace(
    signal?: AbortSignal
  ): Promise<{ workspace: IWorkspace | null }> {
    return this._gateway.request<{ workspace: IWorkspace | null }>(
      'status/workspace',
      { method: 'GET', signal }
    );
  }

  /**
   * Fetch the non-secret configuration (locations, features, encryption).
   *
   * @param signal aborts the request
   */
  getConfig(signal?: AbortSignal): Promise<IConfig> {
    return this._gateway.request<IConfig>('config', { method: 'GET', signal });
  }
}
