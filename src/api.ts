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

/** Where a run executes; also selects the pricing rules of an estimate. */
export type Backend = 'ec2' | 'databricks';

/** Where the prices shown come from, and how fresh they are. */
export interface IPriceSource {
  source: 'live' | 'cached' | 'bundled' | 'unknown';
  /** ISO date or timestamp of the price data. */
  as_of: string;
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
  return requestAPI<IEstimate>(
    'compute/estimate',
    { method: 'POST', body: JSON.stringify(body), signal },
    settings
  );
}
