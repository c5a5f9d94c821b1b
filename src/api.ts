/**
 * Typed wrappers of the server routes.
 *
 * The interfaces mirror the JSON the Python handlers return, snake_case keys
 * included, so a field renamed on one side is easy to find on the other.
 */
import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';

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
}

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
