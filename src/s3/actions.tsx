/**
 * What a user can do to listed folders and objects: download, copy their URIs
 * or a snippet, copy them to the workspace, rename or move, delete, see
 * properties. Download, URIs, copy to the workspace and delete also act on a
 * multiple selection.
 */
import {
  Clipboard,
  Dialog,
  InputDialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { CSS } from '../tokens';
import { UcdhRequestError } from '../request';
import type { IS3ObjectDetails, IS3ToWorkspace, IS3TransferJob } from './api';
import { copyReport, notifyCopy } from './copyreport';
import { confirmReplace, startFailure, startJobs } from './jobs';
import { formatExactBytes, formatBytes } from '../common/format';
import { formatModified, lastSegment, S3Row, s3Uri } from './model';
import type { IActionContext } from './context';
import { remove } from './remove';
import { pandasSnippet } from './snippets';

/** The actions of a row's buttons and menu, and of the selection bar. */
export type S3Action =
  | 'open'
  | 'download'
  | 'uri'
  | 'snippet'
  | 'workspace'
  | 'rename'
  | 'delete'
  | 'properties';

/** Run an action on rows: one row, or the selected ones. */
export type S3ActionHandler = (action: S3Action, rows: S3Row[]) => void;

/** Actions that apply to several rows at once. */
const MULTIPLE: S3Action[] = ['download', 'uri', 'workspace', 'delete'];

/** Which actions apply to `rows` (one row, or a selection), in menu order. */
export function actionsFor(rows: S3Row[]): S3Action[] {
  if (rows.length > 1) {
    return rows.some(row => row.kind === 'object')
      ? MULTIPLE
      : MULTIPLE.filter(action => action !== 'download');
  }
  return rows[0]?.kind === 'folder'
    ? ['open', 'uri', 'workspace', 'rename', 'delete']
    : [
        'download',
        'uri',
        'snippet',
        'workspace',
        'rename',
        'delete',
        'properties'
      ];
}

/** The menu label of an action on `count` rows. */
export function actionLabel(
  action: S3Action,
  trans: TranslationBundle,
  count = 1
): string {
  switch (action) {
    case 'open':
      return trans.__('Open');
    case 'download':
      return count > 1 ? trans.__('Download each') : trans.__('Download');
    case 'uri':
      return count > 1
        ? trans.__('Copy %1 s3:// URIs', count)
        : trans.__('Copy s3:// URI');
    case 'snippet':
      return trans.__('Copy pandas snippet');
    case 'workspace':
      return count > 1
        ? trans.__('Copy %1 items to workspace', count)
        : trans.__('Copy to workspace');
    case 'rename':
      return trans.__('Rename or move…');
    case 'delete':
      return count > 1
        ? trans.__('Delete %1 items…', count)
        : trans.__('Delete…');
    case 'properties':
      return trans.__('Properties');
  }
}

/** Pause between two downloads, so the browser does not drop any. */
const DOWNLOAD_GAP_MS = 250;

/**
 * Run `action` on `rows` (a single-row action on the first one); errors
 * propagate to the caller, which shows them.
 */
export async function runAction(
  action: S3Action,
  rows: S3Row[],
  context: IActionContext
): Promise<void> {
  const { bucket, trans } = context;
  const row = rows[0];
  if (!row) {
    return;
  }
  switch (action) {
    case 'open':
      return;
    case 'download':
      return downloadAll(rows, context);
    case 'uri': {
      const uris = rows.map(r => s3Uri(bucket, r.key));
      Clipboard.copyToSystem(uris.join('\n'));
      Notification.info(
        uris.length > 1
          ? trans.__('Copied %1 s3:// URIs', uris.length)
          : trans.__('Copied %1', uris[0]),
        { autoClose: 3000 }
      );
      return;
    }
    case 'snippet':
      Clipboard.copyToSystem(pandasSnippet(bucket, row.key));
      Notification.info(trans.__('Copied a snippet that reads %1', row.name), {
        autoClose: 3000
      });
      return;
    case 'workspace':
      return toWorkspace(rows, context);
    case 'rename':
      return rename(row, context);
    case 'delete':
      return remove(rows, context);
    case 'properties':
      return properties(row, context);
  }
}

/** Let the browser download a URL (streamed by the server) under a file name. */
function download(url: string, name: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
}

/** Download each object of `rows`; folders cannot be downloaded as one file. */
async function downloadAll(
  rows: S3Row[],
  context: IActionContext
): Promise<void> {
  const objects = rows.filter(row => row.kind === 'object');
  for (const [index, row] of objects.entries()) {
    if (index > 0) {
      await new Promise(resolve => setTimeout(resolve, DOWNLOAD_GAP_MS));
    }
    download(context.client.s3.downloadURL(context.bucket, row.key), row.name);
  }
  const skipped = rows.length - objects.length;
  if (skipped > 0) {
    Notification.info(
      context.trans._n(
        '%1 folder skipped: use Copy to workspace for folders.',
        '%1 folders skipped: use Copy to workspace for folders.',
        skipped
      ),
      { autoClose: 5000 }
    );
  }
}

/** The body that copies `row` into the workspace folder `folder`. */
export function toWorkspaceBody(
  bucket: string,
  row: S3Row,
  folder: string
): IS3ToWorkspace {
  const base = folder ? `${folder.replace(/\/$/, '')}/` : '';
  const path = `${base}${lastSegment(row.key)}`;
  return row.kind === 'folder'
    ? { bucket, prefix: row.key, path }
    : { bucket, key: row.key, path };
}

/** One job per row (the server copies one key or one prefix per job). */
async function toWorkspace(
  rows: S3Row[],
  context: IActionContext
): Promise<void> {
  const { bucket, trans, client, activity } = context;
  const folder = context.workspaceFolder();
  const started = await startJobs(
    rows.map(row => toWorkspaceBody(bucket, row, folder)),
    body => client.s3.copyToWorkspace(body),
    messages => confirmReplace(messages, trans)
  );
  const followed = Promise.all(
    started.jobs.map(job => activity.track(job))
  ).then(ended => {
    const report = copyReport(ended, folder, trans);
    if (report) {
      notifyCopy(report, trans, context.commands);
    }
  });
  if (started.problems.length > 0) {
    throw startFailure(started.problems, rows.length, trans);
  }
  await followed;
}

/**
 * Where a rename or move goes: a key (or prefix) in the same bucket, or an
 * `s3://bucket/key` URI for another bucket; null when nothing usable was typed.
 * A folder's destination always ends with `/`.
 */
export function moveDestination(
  typed: string,
  row: S3Row,
  bucket: string
): { bucket: string; key: string } | null {
  let text = typed.trim();
  let destBucket = bucket;
  const uri = /^s3:\/\/([^/]+)\/?(.*)$/.exec(text);
  if (uri) {
    destBucket = uri[1];
    text = uri[2];
  }
  if (row.kind === 'folder') {
    text = text.replace(/\/*$/, '/');
  }
  if (!text || text === '/') {
    return null;
  }
  if (destBucket === bucket && text === row.key) {
    return null;
  }
  return { bucket: destBucket, key: text };
}

async function rename(row: S3Row, context: IActionContext): Promise<void> {
  const { bucket, trans, client } = context;
  const answer = await InputDialog.getText({
    title:
      row.kind === 'folder'
        ? trans.__('Rename or move the folder %1', row.name)
        : trans.__('Rename or move %1', row.name),
    label: trans.__(
      'New key in s3://%1/ (or a full s3:// URI for another bucket)',
      bucket
    ),
    text: row.key,
    okLabel: trans.__('Move')
  });
  if (!answer.button.accept || answer.value === null) {
    return;
  }
  const dest = moveDestination(answer.value, row, bucket);
  if (!dest) {
    return;
  }
  const request = {
    bucket,
    ...(dest.bucket === bucket ? {} : { dest_bucket: dest.bucket }),
    ...(row.kind === 'folder'
      ? { prefix: row.key, dest_prefix: dest.key }
      : { key: row.key, dest_key: dest.key })
  };
  let job: IS3TransferJob;
  try {
    job = await client.s3.moveObjects(request);
  } catch (error) {
    if (!(error instanceof UcdhRequestError) || error.status !== 409) {
      throw error;
    }
    const replace = await showDialog({
      title: trans.__('Replace existing objects?'),
      body:
        row.kind === 'folder'
          ? trans.__(
              'Some keys under %1 already exist. Moving will replace them.',
              s3Uri(dest.bucket, dest.key)
            )
          : trans.__(
              '%1 already exists. Moving will replace it.',
              s3Uri(dest.bucket, dest.key)
            ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Keep') }),
        Dialog.warnButton({ label: trans.__('Replace') })
      ]
    });
    if (!replace.button.accept) {
      return;
    }
    job = await client.s3.moveObjects({ ...request, overwrite: true });
  }
  try {
    await context.activity.track(job);
  } finally {
    context.onChanged();
  }
}

async function properties(row: S3Row, context: IActionContext): Promise<void> {
  const details = await context.client.s3.getObjectDetails(
    context.bucket,
    row.key
  );
  await showDialog({
    title: details.name,
    body: <DetailsView details={details} trans={context.trans} />,
    buttons: [Dialog.okButton({ label: context.trans.__('Close') })]
  });
}

/** The Properties dialog's body. */
export function DetailsView(props: {
  details: IS3ObjectDetails;
  trans: TranslationBundle;
}): JSX.Element {
  const { details: d, trans } = props;
  const facts: [string, string][] = [
    [trans.__('URI'), d.uri],
    [trans.__('Size'), `${formatBytes(d.size)} (${formatExactBytes(d.size)})`],
    [trans.__('Modified'), formatModified(d.last_modified)],
    [trans.__('Storage class'), d.storage_class],
    [trans.__('Content type'), d.content_type ?? ''],
    [trans.__('ETag'), d.etag],
    [
      trans.__('Encryption'),
      d.sse.type
        ? `${d.sse.type}${d.sse.kms_key_id ? ` (${d.sse.kms_key_id})` : ''}`
        : trans.__('none reported')
    ],
    [
      trans.__('Tags'),
      d.tags === null
        ? trans.__('not readable')
        : Object.entries(d.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || trans.__('none')
    ],
    [trans.__('Versioning'), d.versioning ?? trans.__('off')]
  ];
  if (d.versions) {
    facts.push([
      trans.__('Versions'),
      trans._n('%1 version', '%1 versions', d.versions.length)
    ]);
  }
  return (
    <dl className={CSS.S3.details}>
      {facts.map(([label, value]) => (
        <React.Fragment key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </React.Fragment>
      ))}
    </dl>
  );
}
