/**
 * The progress lines of transfer jobs (copies to and from the workspace,
 * renames and moves), each with Cancel while it runs.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { CSS } from '../tokens';
import type { IS3TransferJob } from './api';
import { isFinal, S3Activity, useActivity } from './jobs';
import { formatBytes } from '../common/format';
import { lastSegment, s3Uri } from './model';

/** The progress line of a transfer job. */
export function transferText(
  job: IS3TransferJob,
  trans: TranslationBundle
): string {
  return job.kind === 'move' ? moveText(job, trans) : copyText(job, trans);
}

/** Whole percent of a job's bytes done; 0 while the total is unknown. */
export function jobPercent(job: IS3TransferJob): number {
  return job.bytes_total > 0
    ? Math.floor((100 * job.bytes_done) / job.bytes_total)
    : 0;
}

function failure(job: IS3TransferJob, trans: TranslationBundle): string {
  return job.error?.message ?? trans.__('unknown error');
}

/** A copy between S3 and the workspace, either way. */
export function copyText(
  job: IS3TransferJob,
  trans: TranslationBundle
): string {
  const up = job.kind === 'to_s3';
  let what: string;
  let where: string;
  if (up) {
    what = lastSegment(job.source.path ?? '') || trans.__('the workspace');
    // The folder it went into: the item's own name is already in `what`.
    const target = (job.target.key ?? job.target.prefix ?? '').replace(
      /\/$/,
      ''
    );
    where = s3Uri(
      job.target.bucket ?? '',
      target.slice(0, target.lastIndexOf('/') + 1)
    );
  } else {
    what = lastSegment(job.source.key ?? job.source.prefix ?? '');
    // A path with no folder is the root: "Copied a.csv to a.csv" said nothing.
    const path = job.target.path ?? '';
    where = path.includes('/') ? path : trans.__('the workspace root');
  }
  switch (job.state) {
    case 'queued':
    case 'running':
      return up
        ? trans.__('Uploading %1 to %2: %3%', what, where, jobPercent(job))
        : trans.__('Copying %1 to %2: %3%', what, where, jobPercent(job));
    case 'succeeded': {
      const size = formatBytes(job.bytes_done);
      return up
        ? trans.__('Uploaded %1 to %2 (%3).', what, where, size)
        : trans.__('Copied %1 to %2 (%3).', what, where, size);
    }
    case 'cancelled':
      return up
        ? trans.__('Upload of %1 cancelled.', what)
        : trans.__('Copy of %1 cancelled.', what);
    case 'failed':
      return up
        ? trans.__('Upload of %1 failed: %2', what, failure(job, trans))
        : trans.__('Copy of %1 failed: %2', what, failure(job, trans));
  }
}

/** A rename or move inside S3. */
function moveText(job: IS3TransferJob, trans: TranslationBundle): string {
  const what = lastSegment(job.source.key ?? job.source.prefix ?? '');
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
      return trans.__('Move of %1 failed: %2', what, failure(job, trans));
  }
}

/** The jobs an {@link S3Activity} follows, newest last. */
export function TransferList(props: {
  activity: S3Activity;
  trans: TranslationBundle;
  /** Shown when a cancel request fails. */
  onError: (reason: unknown) => void;
}): JSX.Element | null {
  const { activity, trans, onError } = props;
  const { jobs } = useActivity(activity);
  if (jobs.length === 0) {
    return null;
  }
  return (
    <ul className={CSS.S3.transfers} aria-label={trans.__('Transfers')}>
      {jobs.map(job => (
        <li key={job.id} className={CSS.S3.transferItem}>
          <span
            className={CSS.S3.transfer}
            data-state={job.state}
            aria-live="polite"
          >
            {transferText(job, trans)}
          </span>
          {isFinal(job) ? (
            <button
              type="button"
              className={`${CSS.S3.dismiss} jp-Button jp-mod-minimal`}
              aria-label={trans.__('Dismiss')}
              title={trans.__('Dismiss')}
              onClick={() => activity.dismiss(job.id)}
            >
              ×
            </button>
          ) : (
            job.kind !== 'move' && (
              // A move deletes its sources at the end: stopping it halfway would
              // leave objects in both places, so it is not offered.
              <button
                type="button"
                className={`${CSS.S3.cancel} jp-Button jp-mod-minimal`}
                onClick={() => activity.cancel(job.id).catch(onError)}
              >
                {trans.__('Cancel')}
              </button>
            )
          )}
        </li>
      ))}
    </ul>
  );
}
