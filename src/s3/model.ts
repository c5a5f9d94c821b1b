/**
 * The S3 browser's pure logic: paths and breadcrumbs, sizes, and the paging
 * state of a folder that is loaded one page at a time.
 */
import type { IProblem } from '../api';
import { formatDateTime } from '../common/format';
import type { IS3Folder, IS3Listing, IS3Location, IS3Object } from './api';

/** Entries asked per page; the server's maximum. */
export const PAGE_SIZE = 1000;

/** One step of the breadcrumb. */
export interface ICrumb {
  label: string;
  /** The prefix this step opens. */
  prefix: string;
}

/**
 * The breadcrumb of `prefix` inside a location: the location's name, then one
 * step per folder below the location's own prefix.
 */
export function breadcrumb(location: IS3Location, prefix: string): ICrumb[] {
  const crumbs: ICrumb[] = [{ label: location.name, prefix: location.prefix }];
  const below = prefix.startsWith(location.prefix)
    ? prefix.slice(location.prefix.length)
    : prefix;
  let current = prefix.slice(0, prefix.length - below.length);
  for (const part of below.split('/').slice(0, -1)) {
    current += `${part}/`;
    crumbs.push({ label: part, prefix: current });
  }
  return crumbs;
}

/**
 * The folder above `prefix`, or null at the location's top (going up from
 * there leaves the location).
 */
export function parentPrefix(
  location: IS3Location,
  prefix: string
): string | null {
  if (prefix === location.prefix || prefix.length <= location.prefix.length) {
    return null;
  }
  const trimmed = prefix.slice(0, -1);
  const cut = trimmed.lastIndexOf('/');
  const parent = cut < 0 ? '' : trimmed.slice(0, cut + 1);
  return parent.length < location.prefix.length ? location.prefix : parent;
}

/** A timestamp as a short local date and time; empty when unknown. */
export function formatModified(iso: string | null): string {
  // One date-and-time style across the UI (src/format.ts).
  return formatDateTime(iso);
}

/** `s3://bucket/key` exactly as stored (S3 URIs are not percent-encoded). */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** A listed entry: a folder or an object. */
export type S3Row =
  | { kind: 'folder'; key: string; name: string; folder: IS3Folder }
  | { kind: 'object'; key: string; name: string; object: IS3Object };

/** The pages of one folder loaded so far. */
export interface IPaging {
  folders: IS3Folder[];
  objects: IS3Object[];
  /** What to pass for the next page; null before the first and after the last. */
  cursor: string | null;
  /** Pages received. */
  pages: number;
  /** The last page arrived. */
  complete: boolean;
  loading: boolean;
  error: IProblem | null;
}

/** A folder before its first page. */
export const EMPTY_PAGING: IPaging = {
  folders: [],
  objects: [],
  cursor: null,
  pages: 0,
  complete: false,
  loading: false,
  error: null
};

/** A page was asked for. */
export function pageRequested(state: IPaging): IPaging {
  return { ...state, loading: true, error: null };
}

/** A page arrived: append it; its cursor asks for the next. */
export function pageReceived(state: IPaging, page: IS3Listing): IPaging {
  return {
    folders: state.folders.concat(page.folders),
    objects: state.objects.concat(page.objects),
    cursor: page.next_cursor,
    pages: state.pages + 1,
    complete: page.next_cursor === null,
    loading: false,
    error: null
  };
}

/** A page failed; what was loaded stays. */
export function pageFailed(state: IPaging, error: IProblem): IPaging {
  return { ...state, loading: false, error };
}

/** Whether another page can be asked for now. */
export function canLoadMore(state: IPaging): boolean {
  return !state.loading && !state.complete && state.error === null;
}

/** Folders first, then objects, each in the server's (key) order. */
export function rowsOf(state: IPaging): S3Row[] {
  const rows: S3Row[] = state.folders.map(folder => ({
    kind: 'folder',
    key: folder.prefix,
    name: folder.name,
    folder
  }));
  for (const object of state.objects) {
    rows.push({ kind: 'object', key: object.key, name: object.name, object });
  }
  return rows;
}

/** The rows whose name contains `text`, ignoring case; all rows for "". */
export function filterRows(rows: S3Row[], text: string): S3Row[] {
  const needle = text.trim().toLowerCase();
  if (!needle) {
    return rows;
  }
  return rows.filter(row => row.name.toLowerCase().includes(needle));
}

/** The last segment of a key or prefix, for file names and titles. */
export function lastSegment(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
