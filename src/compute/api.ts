/**
 * The compute area's routes: the instance catalog and cost estimates. Types
 * are aliases of the generated `schema.ts`.
 */
import type { Schemas } from '../api';
import type { ApiGateway } from '../request';

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

/** `client.compute`: the catalog and estimate routes. */
export class ComputeAPI {
  /** @param gateway the client's HTTP gateway (its server settings) */
  constructor(private readonly _gateway: ApiGateway) {}

  /**
   * Fetch the instance types matching `query`, with prices, presets and limits.
   *
   * @param query filters and sort; unset fields are not sent
   * @param signal aborts the request when a newer query supersedes it
   */
  getCatalog(
    query: ICatalogQuery = {},
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
    return this._gateway.request<ICatalog>(
      `compute/catalog${search ? `?${search}` : ''}`,
      { method: 'GET', cache: 'no-cache', signal }
    );
  }

  /**
   * Estimate what a job costs on one instance type for a range of hours.
   *
   * @param body backend, type, machine count, hours and disk size
   * @param signal aborts the request when the user keeps typing
   */
  estimateCost(
    body: IEstimateRequest,
    signal?: AbortSignal
  ): Promise<IEstimate> {
    return this._gateway.post<IEstimate>('compute/estimate', body, signal);
  }
}
