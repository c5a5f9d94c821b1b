/**
 * What a user can do to a listed folder or object: download, copy its URI or a
 * snippet, copy it to the workspace, rename or move it, delete it, see its
 * properties.
 */
import {
  Clipboard,
  Dialog,
  InputDialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { UcdhRequestError } from '../request';
import {
  copyToWorkspace,
  deleteObjects,
  downloadURL,
  getObjectDetails,
  getTransfer,
  IS3ObjectDetails,
  IS3TransferJob,
  moveObjects
} from './api';
import {
  exactSize,
  formatModified,
  formatSize,
  lastSegment,
  pandasSnippet,
  S3Row,
  s3Uri
} from './model';

/** The actions of a row's buttons and menu. */
export type S3Action =
  | 'open'
  | 'download'
  | 'uri'
  | 'snippet'
  | 'workspace'
  | 'rename'
  | 'delete'
  | 'properties';

/** Which actions apply to a row, in menu order. */
export function actionsFor(row: S3Row): S3Action[] {
  return row.kind === 'folder'
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

/** The menu label of an action. */
export function actionLabel(
  action: S3Action,
  trans: TranslationBundle
): string {
  switch (action) {
    case 'open':
      return trans.__('Open');
    case 'download':
      return trans.__('Download');
    case 'uri':
      return trans.__('Copy s3:// URI');
    case 'snippet':
      return trans.__('Copy pandas snippet');
    case 'workspace':
      return trans.__('Copy to workspace');
    case 'rename':
      return trans.__('Rename or move…');
    case 'delete':
      return trans.__('Delete…');
    case 'properties':
      return trans.__('Properties');
  }
}

/** Where actions run and report. */
export interface IActionContext {
  bucket: string;
  trans: TranslationBundle;
  serverSettings?: ServerConnection.ISettings;
  /** The workspace folder a copy lands in ("" for the Jupyter root). */
  workspaceFolder: () => string;
  /** The listing changed (after a delete or a move). */
  onChanged: () => void;
  /** A transfer job moved on; called until it is final. */
  onTransfer: (job: IS3TransferJob) => void;
}

/** How often a transfer's progress is asked for, in ms. */
const TRANSFER_POLL_MS = 500;

/** Run `action` on `row`; errors propagate to the caller, which shows them. */
export async function runAction(
  action: S3Action,
  row: S3Row,
  context: IActionContext
): Promise<void> {
  const { bucket, trans } = context;
  switch (action) {
    case 'open':
      return;
    case 'download':
      download(downloadURL(bucket, row.key, context.serverSettings), row.name);
      return;
    case 'uri':
      Clipboard.copyToSystem(s3Uri(bucket, row.key));
      Notification.info(trans.__('Copied %1', s3Uri(bucket, row.key)), {
        autoClose: 3000
      });
      return;
    case 'snippet':
      Clipboard.copyToSystem(pandasSnippet(bucket, row.key));
      Notification.info(trans.__('Copied a snippet that reads %1', row.name), {
        autoClose: 3000
      });
      return;
    case 'workspace':
      return toWorkspace(row, context);
    case 'rename':
      return rename(row, context);
    case 'delete':
      return remove(row, context);
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

async function toWorkspace(row: S3Row, context: IActionContext): Promise<void> {
  const folder = context.workspaceFolder();
  const base = folder ? `${folder.replace(/\/$/, '')}/` : '';
  const target =
    row.kind === 'folder'
      ? { prefix: row.key, path: `${base}${lastSegment(row.key)}` }
      : { key: row.key, path: `${base}${lastSegment(row.key)}` };
  const job = await copyToWorkspace(
    { bucket: context.bucket, ...target },
    context.serverSettings
  );
  await follow(job, context);
}

/** Report a transfer job, then poll it until it is final; returns the last state. */
async function follow(
  job: IS3TransferJob,
  context: IActionContext
): Promise<IS3TransferJob> {
  context.onTransfer(job);
  while (job.state === 'queued' || job.state === 'running') {
    await new Promise(resolve => setTimeout(resolve, TRANSFER_POLL_MS));
    job = await getTransfer(job.id, context.serverSettings);
    context.onTransfer(job);
  }
  return job;
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
  const { bucket, trans, serverSettings } = context;
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
    job = await moveObjects(request, serverSettings);
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
    job = await moveObjects({ ...request, overwrite: true }, serverSettings);
  }
  try {
    await follow(job, context);
  } finally {
    context.onChanged();
  }
}

/** The progress line of a transfer job. */
export function transferText(
  job: IS3TransferJob,
  trans: TranslationBundle
): string {
  const what = lastSegment(job.source.key ?? job.source.prefix ?? '');
  if (job.kind === 'move') {
    return moveText(job, what, trans);
  }
  const where = job.target.path || trans.__('the workspace root');
  switch (job.state) {
    case 'queued':
    case 'running':
      return trans.__('Copying %1 to %2: %3%', what, where, jobPercent(job));
    case 'succeeded':
      return trans.__(
        'Copied %1 to %2 (%3).',
        what,
        where,
        formatSize(job.bytes_done)
      );
    case 'cancelled':
      return trans.__('Copy of %1 cancelled.', what);
    case 'failed':
      return trans.__(
        'Copy of %1 failed: %2',
        what,
        job.error?.message ?? trans.__('unknown error')
      );
  }
}

/** Whole percent of a job's bytes done; 0 while the total is unknown. */
function jobPercent(job: IS3TransferJob): number {
  return job.bytes_total > 0
    ? Math.floor((100 * job.bytes_done) / job.bytes_total)
    : 0;
}

/** The progress line of a rename or move. */
function moveText(
  job: IS3TransferJob,
  what: string,
  trans: TranslationBundle
): string {
  const where = s3Uri(
    job.target.bucket ?? job.source.bucket ?? '',
    job.target.key ?? job.target.prefix ?? ''
  );
  switch (job.state) {
    case 'queued':
    case 'running':
      return trans.__('Moving %1 to %2: %3%', what, where, jobPercent(job));
    case 'succeeded':
      return trans.__('Moved %1 to %2.', what, where);
    case 'cancelled':
      return trans.__('Move of %1 cancelled.', what);
    case 'failed':
      return trans.__(
        'Move of %1 failed: %2',
        what,
        job.error?.message ?? trans.__('unknown error')
      );
  }
}

async function remove(row: S3Row, context: IActionContext): Promise<void> {
  const { bucket, trans, serverSettings } = context;
  const target =
    row.kind === 'folder' ? { prefix: row.key } : { keys: [row.key] };
  const counted = await deleteObjects(bucket, target, true, serverSettings);
  const size = counted.bytes === null ? '' : ` (${formatSize(counted.bytes)})`;
  const body =
    row.kind === 'folder'
      ? trans._n(
          'The folder %2 holds %1 object%3. It will be deleted for good.',
          'The folder %2 holds %1 objects%3. They will be deleted for good.',
          counted.count,
          row.key,
          size
        )
      : trans.__('%1 will be deleted for good.', s3Uri(bucket, row.key));
  const answer = await showDialog({
    title:
      row.kind === 'folder'
        ? trans._n('Delete %1 object?', 'Delete %1 objects?', counted.count)
        : trans.__('Delete %1?', row.name),
    body,
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({ label: trans.__('Delete') })
    ]
  });
  if (!answer.button.accept) {
    return;
  }
  const result = await deleteObjects(bucket, target, false, serverSettings);
  context.onChanged();
  if (result.errors.length > 0) {
    Notification.error(
      trans.__(
        '%1 of %2 objects could not be deleted: %3',
        result.errors.length,
        result.count,
        result.errors[0].message
      ),
      { autoClose: false }
    );
  }
}

async function properties(row: S3Row, context: IActionContext): Promise<void> {
  const details = await getObjectDetails(
    context.bucket,
    row.key,
    context.serverSettings
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
    [trans.__('Size'), `${formatSize(d.size)} (${exactSize(d.size)})`],
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
    <dl className="jp-ucdh-S3-details">
      {facts.map(([label, value]) => (
        <React.Fragment key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </React.Fragment>
      ))}
    </dl>
  );
}
