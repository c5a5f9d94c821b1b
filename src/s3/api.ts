/**
 * Typed wrappers of the S3 routes (`ucdh_jupyter/handlers/s3.py`).
 *
 * Types are aliases of the generated `schema.ts` (`openapi.yaml`), snake_case
 * keys included; `client.s3` is an {@link S3API}.
 */
import type { Schemas } from '../api';
import type { ApiGateway, IUploadOptions } from '../request';

/** A bucket, or a bucket + prefix an administrator named (`S3Location`). */
export type IS3Location = Schemas['S3Location'];

/** `GET s3/buckets`. */
export type IS3Buckets = Schemas['S3Buckets'];

/** A common prefix of a listing: a folder. */
export type IS3Folder = Schemas['S3FolderEntry'];

/** An object of a listing. */
export type IS3Object = Schemas['S3ObjectEntry'];

/** `GET s3/list`: one page of one folder. */
export type IS3Listing = Schemas['S3Listing'];

/** `GET s3/object`: the details of one object. */
export type IS3ObjectDetails = Schemas['S3ObjectDetails'];

/** `PUT s3/upload`: what was stored. */
export type IS3Uploaded = Schemas['S3Uploaded'];

/** `POST s3/delete`: what was, or on a dry run would be, deleted. */
export type IS3DeleteResult = Schemas['S3DeleteResult'];

/** A transfer job between S3 and the workspace (`S3TransferJob`). */
export type IS3TransferJob = Schemas['S3TransferJob'];

/** Body of `POST s3/transfers` from S3 to the workspace. */
export type IS3ToWorkspace = Omit<Schemas['S3TransferBody'], 'direction'>;

/** Body of `POST s3/transfers` from the workspace to S3. */
export type IS3ToS3 = Omit<Schemas['S3TransferBody'], 'direction'>;

function query(params: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) {
      search.set(name, value);
    }
  }
  return search.toString();
}

/** Body of `POST s3/copy` and `POST s3/move` (`S3CopyRequest`). */
export type IS3CopyRequest = Schemas['S3CopyBody'];

/** `GET s3/search`: one page of matches. */
export type IS3SearchPage = Schemas['S3SearchPage'];

/** `client.s3`: the S3 routes. */
export class S3API {
  /** @param gateway the client's HTTP gateway (its server settings) */
  constructor(private readonly _gateway: ApiGateway) {}

  /** The buckets, or the admin's locations. */
  listBuckets(signal?: AbortSignal): Promise<IS3Buckets> {
    return this._gateway.request<IS3Buckets>('s3/buckets', {
      method: 'GET',
      cache: 'no-cache',
      signal
    });
  }

  /**
   * One page of a folder.
   *
   * @param cursor `next_cursor` of the previous page; omitted for the first
   * @param limit entries per page, at most 1,000
   */
  listFolder(
    bucket: string,
    prefix: string,
    cursor: string | null,
    limit: number,
    signal?: AbortSignal
  ): Promise<IS3Listing> {
    const search = query({ bucket, prefix, cursor, limit: String(limit) });
    return this._gateway.request<IS3Listing>(`s3/list?${search}`, {
      method: 'GET',
      cache: 'no-cache',
      signal
    });
  }

  /** The details of one object (encryption, tags, versions). */
  getObjectDetails(bucket: string, key: string): Promise<IS3ObjectDetails> {
    return this._gateway.request<IS3ObjectDetails>(
      `s3/object?${query({ bucket, key })}`,
      { method: 'GET', cache: 'no-cache' }
    );
  }

  /**
   * Upload a file as one object; 409 (code `exists`) unless `overwrite`.
   *
   * @param options progress callback and abort signal
   */
  uploadObject(
    bucket: string,
    key: string,
    file: Blob,
    overwrite: boolean,
    options: IUploadOptions = {}
  ): Promise<IS3Uploaded> {
    const search = query({ bucket, key, overwrite: overwrite ? '1' : null });
    return this._gateway.upload<IS3Uploaded>(
      `s3/upload?${search}`,
      file,
      options
    );
  }

  /** The URL that streams an object to the browser (the Jupyter cookie authenticates). */
  downloadURL(bucket: string, key: string): string {
    return this._gateway.url(`s3/download?${query({ bucket, key })}`);
  }

  /**
   * Delete objects or a whole folder; `dryRun` only counts them.
   *
   * @param target `keys` (objects) and/or `prefix` (a folder)
   */
  deleteObjects(
    bucket: string,
    target: { keys?: string[]; prefix?: string },
    dryRun: boolean
  ): Promise<IS3DeleteResult> {
    return this._gateway.post<IS3DeleteResult>('s3/delete', {
      bucket,
      ...target,
      dry_run: dryRun
    });
  }

  /** Create an empty folder (an explicit user action). */
  createFolder(
    bucket: string,
    prefix: string
  ): Promise<{ bucket: string; prefix: string; uri: string }> {
    return this._gateway.post('s3/folder', { bucket, prefix });
  }

  /** Start copying an object or a folder into the workspace (a background job). */
  copyToWorkspace(body: IS3ToWorkspace): Promise<IS3TransferJob> {
    return this._gateway.post<IS3TransferJob>('s3/transfers', {
      direction: 'to_workspace',
      ...body
    });
  }

  /** Start copying a workspace file or folder into S3 (a background job). */
  copyToS3(body: IS3ToS3): Promise<IS3TransferJob> {
    return this._gateway.post<IS3TransferJob>('s3/transfers', {
      direction: 'to_s3',
      ...body
    });
  }

  /** Ask a transfer job to stop; it ends `cancelled`, leaving no partial file or object. */
  cancelTransfer(id: string): Promise<IS3TransferJob> {
    return this._gateway.request<IS3TransferJob>(
      `s3/transfers/${encodeURIComponent(id)}`,
      { method: 'DELETE' }
    );
  }

  /** The progress of a transfer job. */
  getTransfer(id: string, signal?: AbortSignal): Promise<IS3TransferJob> {
    return this._gateway.request<IS3TransferJob>(
      `s3/transfers/${encodeURIComponent(id)}`,
      { method: 'GET', cache: 'no-cache', signal }
    );
  }

  /**
   * Rename or move an object or a folder (copy, then delete the source).
   *
   * The server waits up to 5 s: the job is final (200) or still running (202,
   * poll {@link getTransfer}). 409 when a destination key exists and not `overwrite`.
   */
  moveObjects(body: IS3CopyRequest): Promise<IS3TransferJob> {
    return this._gateway.post<IS3TransferJob>('s3/move', body);
  }

  /**
   * Keys under `prefix` whose name below it contains `q` (ignoring case), one
   * bounded scan per request; to cancel, abort and stop asking.
   */
  searchObjects(
    bucket: string,
    prefix: string,
    q: string,
    cursor: string | null,
    signal?: AbortSignal
  ): Promise<IS3SearchPage> {
    return this._gateway.request<IS3SearchPage>(
      `s3/search?${query({ bucket, prefix, q, cursor })}`,
      { method: 'GET', cache: 'no-cache', signal }
    );
  }
}
