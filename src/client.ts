/**
 * `UcdhClient`: the one object through which the frontend talks to the
 * server extension. It is built once, when the plugins activate, from the
 * application's server settings, and handed to widgets by constructor and to
 * React components through {@link UcdhClientContext}, so no component needs
 * the server settings.
 */
import { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { ComputeAPI } from './compute/api';
import { ApiGateway } from './request';
import { RunsAPI } from './runs/api';
import { SchedulesAPI } from './runs/scheduleapi';
import { S3API } from './s3/api';
import { StatusAPI } from './status/api';

/** The server extension's routes, one sub-object per area. */
export class UcdhClient {
  /** @param serverSettings connection to the Jupyter server; the page's own by default */
  constructor(serverSettings?: ServerConnection.ISettings) {
    this.gateway = new ApiGateway(serverSettings);
    this.status = new StatusAPI(this.gateway);
    this.compute = new ComputeAPI(this.gateway);
    this.runs = new RunsAPI(this.gateway);
    this.schedules = new SchedulesAPI(this.gateway);
    this.s3 = new S3API(this.gateway);
  }

  /** The HTTP gateway every area sends through. */
  readonly gateway: ApiGateway;
  /** `GET status`, `status/workspace` and `config`. */
  readonly status: StatusAPI;
  /** The instance catalog and estimates. */
  readonly compute: ComputeAPI;
  /** Runs of notebooks. */
  readonly runs: RunsAPI;
  /** Recurring runs. */
  readonly schedules: SchedulesAPI;
  /** S3 browsing, uploads, transfers. */
  readonly s3: S3API;

  /** The connection this client uses. */
  get serverSettings(): ServerConnection.ISettings {
    return this.gateway.serverSettings;
  }
}

/**
 * The client React components use. A component outside a provider gets a
 * client on the page's own connection, as the routes did before there was a
 * client, so a component rendered alone (a notebook widget, a test) works.
 */
export const UcdhClientContext = React.createContext<UcdhClient | null>(null);

let pageClient: UcdhClient | null = null;

/** The client of the nearest {@link UcdhClientContext} provider. */
export function useUcdhClient(): UcdhClient {
  const client = React.useContext(UcdhClientContext);
  if (client) {
    return client;
  }
  pageClient ??= new UcdhClient();
  return pageClient;
}
