/**
 * A fake server for the S3 tests (bucket `lab`, folder `runs/`, objects
 * `obj-000.csv`…), a section opened on it, a fake XMLHttpRequest for the
 * upload gateway, and the start of a drag.
 */
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { UcdhClient } from '../client';
import { S3Section } from '../s3/section';
import { readRequest } from './computefixtures';
import { find } from './dom';

/** A request the fake server received. */
export interface IRecorded {
  method: string;
  path: string;
  query: Record<string, string>;
  body: any;
}

/**
 * A bucket `lab` with folder `runs/` and objects `obj-0..n-1` at its top.
 *
 * Transfer jobs succeed at their first poll: a copy to S3 then adds its keys
 * (a workspace folder, named in `workspaceFolders`, holds one `part-0.csv`).
 * Copies to the workspace are refused (409) onto `workspaceFiles`; `s3Enabled`
 * is what `GET config` says of S3; copies to the workspace of the keys in
 * `failCopies` fail at their first poll (access denied).
 */
export function fakeS3Server(options: {
  objects: number;
  failLists?: number;
  workspaceFolders?: string[];
  workspaceFiles?: string[];
  s3Enabled?: boolean;
  failCopies?: string[];
}) {
  const requests: IRecorded[] = [];
  const jobs = new Map<string, { job: any; targets: string[] }>();
  let keys = Array.from(
    { length: options.objects },
    (_, i) => `obj-${String(i).padStart(3, '0')}.csv`
  );
  let failures = options.failLists ?? 0;
  let folders = [{ prefix: 'runs/', name: 'runs' }];
  let moved: Record<string, unknown> | null = null;
  const json = (body: unknown, status = 200): Response =>
    new Response(JSON.stringify(body), { status });
  const fetch = async (
    input: RequestInfo | URL,
    init?: RequestInit
  ): Promise<Response> => {
    const { method, path, url, body } = await readRequest<any>(input, init);
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, name) => {
      query[name] = value;
    });
    requests.push({ method, path, query, body });
    if (path === 's3/buckets') {
      return json({
        source: 'aws',
        buckets: [{ name: 'lab', bucket: 'lab', prefix: '', created: null }]
      });
    }
    if (path === 's3/list') {
      if (failures > 0) {
        failures--;
        return json(
          {
            message: 'Access denied to s3://lab/.',
            code: 'AccessDenied',
            hint: 'Ask for `s3:ListBucket` on lab.'
          },
          403
        );
      }
      const prefix = query.prefix ?? '';
      if (prefix === 'runs/') {
        return json({
          bucket: 'lab',
          prefix,
          folders: [],
          objects: [],
          next_cursor: null
        });
      }
      const start = Number(query.cursor ?? 0);
      const limit = Number(query.limit);
      const end = start + limit;
      return json({
        bucket: 'lab',
        prefix,
        folders: start === 0 ? folders : [],
        objects: keys.slice(start, end).map((key, i) => ({
          key,
          name: key,
          size: 1536 * (start + i + 1),
          last_modified: '2026-07-20T10:31:00Z',
          storage_class: 'STANDARD',
          etag: 'e'
        })),
        next_cursor: end < keys.length ? String(end) : null
      });
    }
    if (path === 'config') {
      return json({ features: { s3: options.s3Enabled ?? true } });
    }
    if (path === 's3/transfers' && method === 'POST') {
      const id = `t${jobs.size + 1}`;
      if (body.direction === 'to_s3') {
        const name = body.path.split('/').pop();
        const folder = (options.workspaceFolders ?? []).includes(body.path);
        const targets = folder
          ? [`${body.prefix}part-0.csv`]
          : [body.key ?? `${body.prefix}${name}`];
        const taken = targets.find(key => keys.includes(key));
        if (taken && !body.overwrite) {
          return json(
            {
              message: `s3://lab/${taken} already exists.`,
              code: 'exists',
              hint: ''
            },
            409
          );
        }
        const started = toS3Job(id, body, folder);
        jobs.set(id, { job: started, targets });
        return json(started, 202);
      }
      if (
        (options.workspaceFiles ?? []).includes(body.path) &&
        !body.overwrite
      ) {
        return json(
          {
            message: `The workspace file '${body.path}' already exists.`,
            code: 'exists',
            hint: ''
          },
          409
        );
      }
      const started = toWorkspaceJob(id, body);
      jobs.set(id, { job: started, targets: [] });
      return json(started, 202);
    }
    const transfer = /^s3\/transfers\/(t\d+)$/.exec(path);
    if (transfer && jobs.has(transfer[1])) {
      const known = jobs.get(transfer[1])!;
      const source = known.job.source?.key;
      if (method === 'DELETE') {
        known.job = { ...known.job, state: 'cancelled' };
      } else if (
        known.job.state === 'running' &&
        (options.failCopies ?? []).includes(source)
      ) {
        known.job = {
          ...known.job,
          state: 'failed',
          error: {
            status: 403,
            code: 'AccessDenied',
            message: `Access denied to s3://lab/${source}.`,
            hint: 'Ask for `s3:GetObject` on lab.'
          }
        };
      } else if (known.job.state === 'running') {
        known.job = {
          ...known.job,
          state: 'succeeded',
          bytes_done: known.job.bytes_total,
          files_done: known.job.files_total
        };
        for (const key of known.targets) {
          const top = key.split('/')[0];
          if (key === top && !keys.includes(key)) {
            keys = keys.concat([key]).sort();
          } else if (key !== top && !folders.some(f => f.name === top)) {
            folders.push({ prefix: `${top}/`, name: top });
          }
        }
      }
      return json(known.job);
    }
    if (path === 's3/folder') {
      folders.push({ prefix: `${body.prefix}/`, name: body.prefix });
      return json({ bucket: 'lab', prefix: `${body.prefix}/`, uri: '' }, 201);
    }
    if (path === 's3/delete' && body.prefix === 'runs/') {
      if (!body.dry_run) {
        folders = folders.filter(folder => folder.prefix !== 'runs/');
      }
      return json({
        bucket: 'lab',
        dry_run: body.dry_run,
        count: 3,
        bytes: 3 * 1024 ** 2,
        deleted: body.dry_run ? 0 : 3,
        errors: []
      });
    }
    if (path === 's3/delete') {
      const matched = keys.filter(key => body.keys.includes(key));
      if (!body.dry_run) {
        keys = keys.filter(key => !matched.includes(key));
      }
      return json({
        bucket: 'lab',
        dry_run: body.dry_run,
        count: matched.length,
        bytes: null,
        deleted: body.dry_run ? 0 : matched.length,
        errors: []
      });
    }
    if (path === 's3/search') {
      // Two keys scanned per request; a text starting with `slow` answers
      // late and matches the keys containing the rest (`slow` alone: all).
      const q = query.q.toLowerCase();
      const slow = q.startsWith('slow');
      const needle = slow ? q.slice('slow'.length) : q;
      if (slow) {
        await new Promise(resolve => setTimeout(resolve, 200));
      }
      const universe = keys.concat(['runs/obj-900.csv']);
      const start = Number(query.cursor ?? 0);
      const scanned = universe.slice(start, start + 2);
      return json({
        bucket: 'lab',
        prefix: query.prefix,
        query: query.q,
        matches: scanned
          .filter(key => key.toLowerCase().includes(needle))
          .map(key => ({
            key,
            name: key,
            size: 1536,
            last_modified: null,
            storage_class: 'STANDARD',
            etag: 'e'
          })),
        scanned: scanned.length,
        next_cursor: start + 2 < universe.length ? String(start + 2) : null
      });
    }
    if (path === 's3/move') {
      if (body.prefix) {
        folders = folders.map(folder =>
          folder.prefix === body.prefix
            ? {
                prefix: body.dest_prefix,
                name: body.dest_prefix.replace(/\/$/, '')
              }
            : folder
        );
        moved = moveJob(body, 'succeeded');
        return json(moved);
      }
      if (keys.includes(body.dest_key) && !body.overwrite) {
        return json(
          {
            message: `s3://lab/${body.dest_key} already exists.`,
            code: 'exists',
            hint: ''
          },
          409
        );
      }
      keys = keys
        .filter(key => key !== body.key && key !== body.dest_key)
        .concat(body.dest_key.includes('/') ? [] : [body.dest_key])
        .sort();
      moved = moveJob(body, 'running');
      return json(moved, 202);
    }
    if (path === 's3/transfers/m1' && moved) {
      return json({ ...moved, state: 'succeeded' });
    }
    return json(
      { message: 'No such route.', code: 'not_found', hint: '' },
      404
    );
  };
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch
  });
  return { serverSettings, requests };
}

/** A running transfer job of `kind`, as `POST s3/transfers`, copy and move answer. */
function job(
  id: string,
  kind: string,
  fields: { source: unknown; target: unknown; bytes_total: number }
): Record<string, unknown> {
  return {
    id,
    kind,
    state: 'running',
    bytes_done: 0,
    files_done: 0,
    files_total: 1,
    error: null,
    created: '2026-07-20T10:31:00Z',
    started: null,
    finished: null,
    ...fields
  };
}

function toS3Job(id: string, body: any, folder: boolean): unknown {
  const name = body.path.split('/').pop();
  return job(id, 'to_s3', {
    source: { path: body.path },
    target: folder
      ? { bucket: body.bucket, key: null, prefix: body.prefix }
      : {
          bucket: body.bucket,
          key: body.key ?? `${body.prefix}${name}`,
          prefix: null
        },
    bytes_total: 2048
  });
}

function toWorkspaceJob(id: string, body: any): unknown {
  return job(id, 'to_workspace', {
    source: {
      bucket: 'lab',
      key: body.key ?? null,
      prefix: body.prefix ?? null
    },
    target: { path: body.path },
    bytes_total: 1536
  });
}

function moveJob(body: any, state: string): Record<string, unknown> {
  return {
    ...job('m1', 'move', {
      source: {
        bucket: 'lab',
        key: body.key ?? null,
        prefix: body.prefix ?? null
      },
      target: {
        bucket: body.dest_bucket ?? 'lab',
        key: body.dest_key ?? null,
        prefix: body.dest_prefix ?? null
      },
      bytes_total: 0
    }),
    state
  };
}

/**
 * An S3 section on the fake server, attached and opened on bucket `lab`
 * (after its first page); dispose it after the test.
 */
export async function openLab(
  server: ReturnType<typeof fakeS3Server>,
  options: Partial<S3Section.IOptions> = {}
): Promise<S3Section> {
  const section = new S3Section({
    trans: nullTranslator.load('ucdh_jupyter'),
    client: new UcdhClient(server.serverSettings),
    ...options
  });
  Widget.attach(section, document.body);
  (await find(section.node, '.jp-ucdh-S3-row[data-key="lab"]')).click();
  await find(section.node, '.jp-ucdh-S3-row[data-kind="object"]');
  return section;
}

/** What a drag started on `target` carries, as a browser's DataTransfer would. */
export function dragStart(target: HTMLElement): {
  data: Record<string, string>;
  effectAllowed: string;
} {
  const data: Record<string, string> = {};
  const dataTransfer = {
    effectAllowed: 'uninitialized',
    setData: (type: string, value: string) => {
      data[type] = value;
    }
  };
  const event = new Event('dragstart', { bubbles: true });
  Object.defineProperty(event, 'dataTransfer', { value: dataTransfer });
  target.dispatchEvent(event);
  return { data, effectAllowed: dataTransfer.effectAllowed };
}

/**
 * XMLHttpRequest as the upload gateway uses it: it reports the whole body as
 * sent, then answers what `FakeXHR.answer` says.
 */
export class FakeXHR {
  static sent: FakeXHR[] = [];
  static answer: (xhr: FakeXHR) => [number, unknown] = () => [201, {}];
  /** Send nothing back, like a large body still on its way. */
  static hold = false;
  upload: { onprogress: ((event: Partial<ProgressEvent>) => void) | null } = {
    onprogress: null
  };
  headers: Record<string, string> = {};
  url = '';
  status = 0;
  statusText = '';
  responseText = '';
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string): void {
    this.url = url;
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
  send(body: Blob): void {
    FakeXHR.sent.push(this);
    if (FakeXHR.hold) {
      return;
    }
    setTimeout(() => {
      this.upload.onprogress?.({
        loaded: body.size,
        total: body.size,
        lengthComputable: true
      });
      const [status, reply] = FakeXHR.answer(this);
      this.status = status;
      this.responseText = JSON.stringify(reply);
      this.onload?.();
    }, 0);
  }
  abort(): void {
    this.onabort?.();
  }
}
