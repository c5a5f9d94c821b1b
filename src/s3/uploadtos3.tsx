/**
 * "Upload to S3…" for workspace files and folders: a dialog picks the bucket
 * (or location) and folder, showing where each item will land; then one server
 * job per item copies it (workspace → S3, multipart), with progress in a
 * notification and in the S3 section, which lists the folder again at the end.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import type { IS3TransferJob } from './api';
import { DestinationBody, IWorkspaceItem, uploadBodies } from './destination';
import {
  confirmReplace,
  isFinal,
  IS3Place,
  IStartedJobs,
  S3Activity,
  startFailure,
  startJobs
} from './jobs';
import { s3Uri } from './model';

/** Options of {@link uploadToS3}. */
export interface IUploadToS3Options {
  items: IWorkspaceItem[];
  /** Follows the jobs; its open folder is the default destination. */
  activity: S3Activity;
  trans: TranslationBundle;
  /** Show the destination folder in the S3 section. */
  onShow: (place: IS3Place) => void;
}

/**
 * Ask where `items` go, start their jobs and follow them to the end.
 *
 * @returns the jobs' final states; empty when nothing was started
 */
export async function uploadToS3(
  options: IUploadToS3Options
): Promise<IS3TransferJob[]> {
  const { items, activity, trans } = options;
  const body = new DestinationBody(items, activity, trans);
  const answer = await showDialog({
    title: trans._n(
      'Upload %1 item to S3',
      'Upload %1 items to S3',
      items.length
    ),
    body,
    buttons: [
      Dialog.cancelButton(),
      Dialog.okButton({ label: trans.__('Upload') })
    ],
    focusNodeSelector: 'input'
  });
  const place = answer.value;
  if (!answer.button.accept || !place) {
    return [];
  }
  // Planning (checking every name and existing key) can take a while for a
  // large folder: say so at once.
  const where = s3Uri(place.location.bucket, place.prefix);
  const id = Notification.emit(
    trans.__('Preparing the upload to %1…', where),
    'in-progress',
    { autoClose: false }
  );
  let started: IStartedJobs;
  try {
    started = await startJobs(
      uploadBodies(items, place),
      request => activity.client.s3.copyToS3(request),
      messages => confirmReplace(messages, trans)
    );
  } catch (error) {
    Notification.dismiss(id);
    throw error;
  }
  if (started.problems.length > 0) {
    Notification.error(
      startFailure(started.problems, items.length, trans).message,
      { autoClose: false }
    );
  }
  if (started.jobs.length === 0) {
    Notification.dismiss(id);
    return [];
  }
  return follow(id, started.jobs, place, options);
}

/** Follow jobs in notification `id` with their overall progress and Cancel. */
async function follow(
  id: string,
  jobs: IS3TransferJob[],
  place: IS3Place,
  options: IUploadToS3Options
): Promise<IS3TransferJob[]> {
  const { activity, trans } = options;
  const where = s3Uri(place.location.bucket, place.prefix);
  const latest = new Map(jobs.map(job => [job.id, job]));
  const progress = (): { text: string; fraction: number } => {
    const known = Array.from(latest.values());
    const total = known.reduce((sum, job) => sum + job.bytes_total, 0);
    const done = known.reduce((sum, job) => sum + job.bytes_done, 0);
    const fraction = total > 0 ? done / total : 0;
    return {
      fraction,
      text: trans._n(
        'Uploading %1 item to %2: %3%',
        'Uploading %1 items to %2: %3%',
        jobs.length,
        where,
        Math.floor(fraction * 100)
      )
    };
  };
  const first = progress();
  Notification.update({
    id,
    message: first.text,
    progress: 0,
    actions: [
      {
        label: trans.__('Cancel'),
        callback: () => {
          for (const job of latest.values()) {
            if (!isFinal(job)) {
              activity.cancel(job.id).catch(() => undefined);
            }
          }
        }
      }
    ]
  });
  const unsubscribe = activity.subscribe(() => {
    for (const job of activity.state.jobs) {
      if (latest.has(job.id)) {
        latest.set(job.id, job);
      }
    }
    const now = progress();
    Notification.update({ id, message: now.text, progress: now.fraction });
  });
  let final: IS3TransferJob[];
  try {
    final = await Promise.all(jobs.map(job => activity.track(job)));
  } finally {
    unsubscribe();
  }
  const failed = final.filter(job => job.state === 'failed');
  const cancelled = final.filter(job => job.state === 'cancelled');
  const show = {
    label: trans.__('Show in S3'),
    callback: () => options.onShow(place)
  };
  if (failed.length > 0) {
    Notification.update({
      id,
      type: 'error',
      message: trans.__(
        '%1 of %2 uploads to %3 failed: %4',
        failed.length,
        final.length,
        where,
        failed[0].error?.message ?? trans.__('unknown error')
      ),
      progress: undefined,
      autoClose: false,
      actions: [show]
    });
  } else if (cancelled.length > 0) {
    Notification.update({
      id,
      type: 'warning',
      message: trans.__('Upload to %1 cancelled.', where),
      progress: undefined,
      autoClose: 5000,
      actions: [show]
    });
  } else {
    Notification.update({
      id,
      type: 'success',
      message: trans._n(
        'Uploaded %1 item to %2.',
        'Uploaded %1 items to %2.',
        final.length,
        where
      ),
      progress: undefined,
      autoClose: 5000,
      actions: [show]
    });
  }
  return final;
}
