/**
 * Typed wrappers of the S3 routes (`ucdh_jupyter/handlers/s3.py`).
 *
 * The interfaces mirror the JSON of `openapi.yaml`, snake_case keys included.
 */
import { ServerConnection } from '@jupyterlab/services';

import {
  apiURL,
  IUploadOptions,
  postAPI,
  requestAPI,
  uploadAPI
} from '../request';

/** A bucket, or a bucket + prefix an administrator named (`S3Location`). */
export interface IS3Location {
  /** Display name; the bucket name for plain buckets. */
  name: string;
  bucket: string;
  /** Where to open the bucket; "" for its root. */
  prefix: string;
  created: string | null;
}

/** `GET s3/buckets`. */
export interface IS3Buckets {
  /** `aws`: every bucket the role lists; `config`: the admin's locations. */
  source: 'aws' | 'config';
  buckets: IS3Location[];
}

/** A common prefix of a listing: a folder. */
export interface IS3Folder {
  /** The full prefix to list next; ends with `/`. */
  prefix: string;
  /** The part below the listed prefix, without the slash. */
  name: string;
}

/** An object of a listing. */
export interface IS3Object {
  /** The key exactly as stored. */
  key: string;
  /** The key below the listed prefix. */
  name: string;
  size: number;
  last_modified: string | null;
  storage_class: string;
  etag: string;
}

/** `GET s3/list`: one page of one folder. */
export interface IS3Listing {
  bucket: string;
  prefix: string;
  folders: IS3Folder[];
  objects: IS3Object[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** `GET s3/object`: the details of one object. */
export interface IS3ObjectDetails {
  bucket: string;
  key: string;
  name: string;
  uri: string;
  size: number;
  last_modified: string | null;
  storage_class: string;
  content_type: string | null;
  etag: string;
  version_id: string | null;
  sse: { type: string | null; kms_key_id: string | null };
  metadata: Record<string, string>;
  /** Null when the role may not read tags. */
  tags: Record<string, string> | null;
  versioning: 'Enabled' | 'Suspended' | null;
  versions:
    | {
        version_id: string | null;
        size: number | null;
        last_modified: string | null;
        is_latest: boolean;
        delete_marker: boolean;
      }[]
    | null;
}

/** `PUT s3/upload`: what was stored. */
export interface IS3Uploaded {
  bucket: string;
  key: string;
  uri: string;
  size: number;
  etag: string;
  parts: number;
  sse: string | null;
}

/** `POST s3/delete`: what was, or on a dry run would be, deleted. */
export interface IS3DeleteResult {
  bucket: string;
  dry_run: boolean;
  count: number;
  /** Their size; only for a prefix. */
  bytes: number | null;
  deleted: number;
  errors: { key: string; code: string; message: string }[];
}

/** A transfer job between S3 and the workspace (`S3TransferJob`). */
export interface IS3TransferJob {
  id: string;
  kind: 'to_workspace' | 'to_s3' | 'copy' | 'move';
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  source: {
    bucket?: string;
    key?: string | null;
    prefix?: string | null;
    path?: string;
  };
  target: {
    bucket?: string;
    key?: string | null;
    prefix?: string | null;
    path?: string;
  };
  bytes_done: number;
  bytes_total: number;
  files_done: number;
  files_total: number;
  error: { status: number; code: string; message: string; hint: string } | null;
  created: string;
  started: string | null;
  finished: string | null;
}

/** Body of `POST s3/transfers` from S3 to the workspace. */
export interface IS3ToWorkspace {
  bucket: string;
  /** One object, or… */
  key?: string;
  /** …a whole folder. */
  prefix?: string;
  /** Workspace folder (ending in `/`) or file, relative to the Jupyter root. */
  path: string;
  /** Replace existing workspace files; else the server answers 409. */
  overwrite?: boolean;
}

/** Body of `POST s3/transfers` from the workspace to S3. */
export interface IS3ToS3 {
  bucket: string;
  /** The workspace file or folder, relative to the Jupyter root. */
  path: string;
  /** One file to this key, or… */
  key?: string;
  /** …into this folder ("" for the top): a file as `prefix + name`, a folder's files below it. */
  prefix?: string;
  /** Replace existing keys; else the server answers 409 (code `exists`). */
  overwrite?: boolean;
}

function query(params: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) {
      search.set(name, value);
    }
  }
  return search.toString();
}

/** The buckets, or the admin's locations. */
export function listBuckets(
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IS3Buckets> {
  return requestAPI<IS3Buckets>(
    's3/buckets',
    { method: 'GET', cache: 'no-cache', signal },
    settings
  );
}

/**
 * One page of a folder.
 *
 * @param cursor `next_cursor` of the previous page; omitted for the first
 * @param limit entries per page, at most 1,000
 */
export function listFolder(
  bucket: string,
  prefix: string,
  cursor: string | null,
  limit: number,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IS3Listing> {
  const search = query({ bucket, prefix, cursor, limit: String(limit) });
  return requestAPI<IS3Listing>(
    `s3/list?${search}`,
    { method: 'GET', cache: 'no-cache', signal },
    settings
  );
}

/** The details of one object (encryption, tags, versions). */
export function getObjectDetails(
  bucket: string,
  key: string,
  settings?: ServerConnection.ISettings
): Promise<IS3ObjectDetails> {
  return requestAPI<IS3ObjectDetails>(
    `s3/object?${query({ bucket, key })}`,
    { method: 'GET', cache: 'no-cache' },
    settings
  );
}

/**
 * Upload a file as one object; 409 (code `exists`) unless `overwrite`.
 *
 * @param options progress callback and abort signal
 */
export function uploadObject(
  bucket: string,
  key: string,
  file: Blob,
  overwrite: boolean,
  options: IUploadOptions = {},
  settings?: ServerConnection.ISettings
): Promise<IS3Uploaded> {
  const search = query({ bucket, key, overwrite: overwrite ? '1' : null });
  return uploadAPI<IS3Uploaded>(`s3/upload?${search}`, file, options, settings);
}

/** The URL that streams an object to the browser (the Jupyter cookie authenticates). */
export function downloadURL(
  bucket: string,
  key: string,
  settings?: ServerConnection.ISettings
): string {
  return apiURL(`s3/download?${query({ bucket, key })}`, settings);
}

/**
 * Delete objects or a whole folder; `dryRun` only counts them.
 *
 * @param target `keys` (objects) and/or `prefix` (a folder)
 */
export function deleteObjects(
  bucket: string,
  target: { keys?: string[]; prefix?: string },
  dryRun: boolean,
  settings?: ServerConnection.ISettings
): Promise<IS3DeleteResult> {
  return postAPI<IS3DeleteResult>(
    's3/delete',
    { bucket, ...target, dry_run: dryRun },
    settings
  );
}

/** Create an empty folder (an explicit user action). */
export function createFolder(
  bucket: string,
  prefix: string,
  settings?: ServerConnection.ISettings
): Promise<{ bucket: string; prefix: string; uri: string }> {
  return postAPI('s3/folder', { bucket, prefix }, settings);
}

/** Start copying an object or a folder into the workspace (a background job). */
export function copyToWorkspace(
  body: IS3ToWorkspace,
  settings?: ServerConnection.ISettings
): Promise<IS3TransferJob> {
  return postAPI<IS3TransferJob>(
    's3/transfers',
    { direction: 'to_workspace', ...body },
    settings
  );
}

/** Start copying a workspace file or folder into S3 (a background job). */
export function copyToS3(
  body: IS3ToS3,
  settings?: ServerConnection.ISettings
): Promise<IS3TransferJob> {
  return postAPI<IS3TransferJob>(
    's3/transfers',
    { direction: 'to_s3', ...body },
    settings
  );
}

/** Ask a transfer job to stop; it ends `cancelled`, leaving no partial file or object. */
export function cancelTransfer(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<IS3TransferJob> {
  return requestAPI<IS3TransferJob>(
    `s3/transfers/${encodeURIComponent(id)}`,
    { method: 'DELETE' },
    settings
  );
}

/** The progress of a transfer job. */
export function getTransfer(
  id: string,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IS3TransferJob> {
  return requestAPI<IS3TransferJob>(
    `s3/transfers/${encodeURIComponent(id)}`,
    { method: 'GET', cache: 'no-cache', signal },
    settings
  );
}

/** Body of `POST s3/copy` and `POST s3/move` (`S3CopyRequest`). */
export interface IS3CopyRequest {
  bucket: string;
  /** One object to `dest_key`, or… */
  key?: string;
  /** …a whole folder to `dest_prefix`. */
  prefix?: string;
  /** Defaults to `bucket`. */
  dest_bucket?: string;
  dest_key?: string;
  dest_prefix?: string;
  /** Replace existing keys; else the server answers 409. */
  overwrite?: boolean;
}

/**
 * Rename or move an object or a folder (copy, then delete the source).
 *
 * The server waits up to 5 s: the job is final (200) or still running (202,
 * poll {@link getTransfer}). 409 when a destination key exists and not `overwrite`.
 */
export function moveObjects(
  body: IS3CopyRequest,
  settings?: ServerConnection.ISettings
): Promise<IS3TransferJob> {
  return postAPI<IS3TransferJob>('s3/move', body, settings);
}

/** `GET s3/search`: one page of matches. */
export interface IS3SearchPage {
  bucket: string;
  prefix: string;
  query: string;
  matches: IS3Object[];
  /** Keys looked at by this request. */
  scanned: number;
  /** Pass as `cursor` to scan on; null when the whole prefix was scanned. */
  next_cursor: string | null;
}

/**
 * Keys under `prefix` whose name below it contains `q` (ignoring case), one
 * bounded scan per request; to cancel, abort and stop asking.
 */
export function searchObjects(
  bucket: string,
  prefix: string,
  q: string,
  cursor: string | null,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IS3SearchPage> {
  return requestAPI<IS3SearchPage>(
    `s3/search?${query({ bucket, prefix, q, cursor })}`,
    { method: 'GET', cache: 'no-cache', signal },
    settings
  );
}
