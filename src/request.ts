/**
 * The one HTTP gateway to the ucdh-jupyter server extension.
 *
 * Every request from the frontend goes through `requestAPI` so that the base
 * URL, authentication (token and XSRF, handled by `ServerConnection`) and the
 * server's JSON error shape are dealt with in a single place.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Route prefix of every server endpoint, under the Jupyter base URL. */
export const API_NAMESPACE = 'ucdh-jupyter';

/**
 * A failed request, carrying what the server said so the UI can show it.
 *
 * `status` is the HTTP status, or 0 when no response arrived at all.
 */
export class UcdhRequestError extends Error {
  /** Build an error from the fields of the server's JSON error body. */
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly hint: string = ''
  ) {
    super(message);
    this.name = 'UcdhRequestError';
  }

  /** True when the caller cancelled the request; such errors need no message. */
  get aborted(): boolean {
    return this.code === 'aborted';
  }
}

/**
 * Call a ucdh-jupyter server endpoint and return its parsed JSON body.
 *
 * @param endPoint path under `{baseUrl}ucdh-jupyter/`, e.g. `status`
 * @param init fetch options; pass `signal` to make the request cancellable
 * @param settings server connection settings; the page's own by default
 * @returns the decoded JSON body, or `undefined` for `204 No Content`
 * @throws {UcdhRequestError} for an HTTP error, a network failure or an abort
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = apiURL(endPoint, settings);

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    // ServerConnection wraps an abort in a NetworkError, so the signal is the
    // only reliable way to tell "cancelled" from "server unreachable".
    if (init.signal?.aborted) {
      throw abortedError();
    }
    throw networkError();
  }

  return decodeReply<T>(
    response.status,
    response.statusText,
    await response.text()
  );
}

/**
 * POST a JSON body (or none) to a server endpoint: every action route's shape.
 *
 * @param endPoint path under `{baseUrl}ucdh-jupyter/`
 * @param body sent as JSON; omitted when undefined
 * @param settings server connection settings; the page's own by default
 * @param signal makes the request cancellable
 */
export function postAPI<T>(
  endPoint: string,
  body?: unknown,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<T> {
  const init: RequestInit = { method: 'POST', signal };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  return requestAPI<T>(endPoint, init, settings);
}

/**
 * The URL of a server endpoint, e.g. for a download link the browser follows.
 *
 * @param endPoint path (and query) under `{baseUrl}ucdh-jupyter/`
 * @param settings server connection settings; the page's own by default
 */
export function apiURL(
  endPoint: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  return URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
}

/** What {@link uploadAPI} reports and obeys while the body is sent. */
export interface IUploadOptions {
  /** Bytes sent so far and in all; called as the browser sends the body. */
  onProgress?: (loaded: number, total: number) => void;
  /** Aborting closes the connection, and the server aborts its multipart upload. */
  signal?: AbortSignal;
}

/**
 * PUT a file as the raw request body and return the parsed JSON reply.
 *
 * The second gateway, next to {@link requestAPI}: `fetch` reports no upload
 * progress, so this one uses XMLHttpRequest with the same URL, token and XSRF
 * header that `ServerConnection` would send.
 *
 * @throws {UcdhRequestError} for an HTTP error, a network failure or an abort
 */
export function uploadAPI<T>(
  endPoint: string,
  body: Blob,
  options: IUploadOptions = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const { onProgress, signal } = options;
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError());
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', apiURL(endPoint, settings));
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    if (settings.token) {
      xhr.setRequestHeader('Authorization', `token ${settings.token}`);
    }
    const xsrf = readCookie('_xsrf');
    if (xsrf) {
      xhr.setRequestHeader('X-XSRFToken', xsrf);
    }
    xhr.upload.onprogress = event =>
      onProgress?.(
        event.loaded,
        event.lengthComputable ? event.total : body.size
      );
    const onAbort = (): void => xhr.abort();
    signal?.addEventListener('abort', onAbort);
    const settle = (done: () => void): void => {
      signal?.removeEventListener('abort', onAbort);
      done();
    };
    xhr.onload = () =>
      settle(() => {
        try {
          resolve(decodeReply<T>(xhr.status, xhr.statusText, xhr.responseText));
        } catch (error) {
          reject(error);
        }
      });
    xhr.onerror = () => settle(() => reject(networkError()));
    xhr.onabort = () => settle(() => reject(abortedError()));
    xhr.send(body);
  });
}

/**
 * The gateway bound to one server connection: what each area's API object
 * (`client.s3`, `client.runs`, …) sends its requests through, so the server
 * settings are given once, when the `UcdhClient` is built.
 */
export class ApiGateway {
  /** @param serverSettings connection to the Jupyter server; the page's own by default */
  constructor(
    readonly serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  /** {@link requestAPI} on this connection. */
  request<T>(endPoint: string, init: RequestInit = {}): Promise<T> {
    return requestAPI<T>(endPoint, init, this.serverSettings);
  }

  /** {@link postAPI} on this connection. */
  post<T>(endPoint: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return postAPI<T>(endPoint, body, this.serverSettings, signal);
  }

  /** {@link uploadAPI} on this connection. */
  upload<T>(
    endPoint: string,
    body: Blob,
    options: IUploadOptions = {}
  ): Promise<T> {
    return uploadAPI<T>(endPoint, body, options, this.serverSettings);
  }

  /** {@link apiURL} on this connection. */
  url(endPoint: string): string {
    return apiURL(endPoint, this.serverSettings);
  }
}

/** Parse a reply body; a non-2xx status or a body that is not JSON throws. */
function decodeReply<T>(status: number, statusText: string, text: string): T {
  if (status === 204) {
    return undefined as T;
  }
  let body: unknown = undefined;
  let parsed = false;
  try {
    body = JSON.parse(text);
    parsed = true;
  } catch {
    // Left unparsed: the branches below explain it to the user.
  }
  const response = { status, statusText };
  if (status < 200 || status >= 300) {
    throw errorFromResponse(response, parsed ? body : undefined);
  }
  if (!parsed) {
    throw new UcdhRequestError(
      `The server answered ${describeStatus(response)} but its reply is not JSON.`,
      status,
      'invalid_response',
      'A proxy may be rewriting the reply; the Jupyter server log has the details.'
    );
  }
  return body as T;
}

function abortedError(): UcdhRequestError {
  return new UcdhRequestError('The request was cancelled.', 0, 'aborted');
}

function networkError(): UcdhRequestError {
  return new UcdhRequestError(
    'Could not reach the Jupyter server.',
    0,
    'network_error',
    'Is the Jupyter server running? Check your network connection, then reload the page.'
  );
}

/** A cookie of this page, as `ServerConnection` reads the XSRF token. */
function readCookie(name: string): string {
  const match = document.cookie.match('\\b' + name + '=([^;]*)\\b');
  return match ? decodeURIComponent(match[1]) : '';
}

/** The parts of a response an error message needs. */
interface IStatusLine {
  status: number;
  statusText: string;
}

/** Turn a non-2xx response into an error, trusting only well-formed fields. */
function errorFromResponse(
  response: IStatusLine,
  body: unknown
): UcdhRequestError {
  const fields = isRecord(body) ? body : {};
  const message = stringField(fields, 'message');
  const code = stringField(fields, 'code');
  const hint = stringField(fields, 'hint');
  if (message) {
    return new UcdhRequestError(
      message,
      response.status,
      code || `http_${response.status}`,
      hint
    );
  }
  // No JSON error body: most often a 404 page because the server extension is
  // not enabled, or an HTML error page from a proxy in front of Jupyter.
  return new UcdhRequestError(
    `The server answered ${describeStatus(response)} instead of a ucdh-jupyter error message.`,
    response.status,
    code || `http_${response.status}`,
    hint ||
      (response.status === 404
        ? 'Is the ucdh_jupyter server extension enabled? Run `jupyter server extension list`.'
        : 'The Jupyter server log has the details.')
  );
}

function describeStatus(response: IStatusLine): string {
  const reason = response.statusText ? ` ${response.statusText}` : '';
  return `HTTP ${response.status}${reason}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === 'string' ? value : '';
}
