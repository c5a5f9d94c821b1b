/**
 * What the user is told when a copy from S3 into the workspace ends: a
 * notification saying what was copied where, with "Show in file browser"
 * revealing it, or what failed and why. The progress line in the section is
 * out of sight once the user has moved on; the notification is not.
 */
import { Notification } from '@jupyterlab/apputils';
import type { CommandRegistry } from '@lumino/commands';
import { TranslationBundle } from '@jupyterlab/translation';

import type { IS3TransferJob } from './api';
import { lastSegment } from './model';

/** The file browser's command that opens a folder or selects a file in it. */
export const GO_TO_PATH = 'filebrowser:go-to-path';

/** Failures named one by one in the message before "and N more". */
const NAMED_FAILURES = 3;

/** What to tell about the ended copies: a message, and what to reveal. */
export interface ICopyReport {
  kind: 'success' | 'error';
  message: string;
  /** The workspace path "Show in file browser" opens; null when nothing was copied. */
  reveal: string | null;
}

/** The S3 name a copy job reads (an object's or a folder's). */
function sourceName(job: IS3TransferJob): string {
  return lastSegment(job.source.key ?? job.source.prefix ?? '');
}

/**
 * The report of copies into the workspace folder `folder` ("" for the root)
 * once all of `jobs` ended; null when they were all cancelled.
 */
export function copyReport(
  jobs: IS3TransferJob[],
  folder: string,
  trans: TranslationBundle
): ICopyReport | null {
  const copied = jobs.filter(job => job.state === 'succeeded');
  const failed = jobs.filter(job => job.state === 'failed');
  if (copied.length === 0 && failed.length === 0) {
    return null;
  }
  const where = folder ? `${folder.replace(/\/$/, '')}/` : '';
  let success = '';
  let reveal: string | null = null;
  if (copied.length === 1 && failed.length === 0) {
    const job = copied[0];
    const path = job.target.path ?? where;
    reveal = path;
    success = job.source.prefix
      ? trans._n(
          'Copied the folder %2 (%1 file) to %3',
          'Copied the folder %2 (%1 files) to %3',
          job.files_done,
          sourceName(job),
          path
        )
      : path.includes('/')
        ? trans.__('Copied %1 to %2', sourceName(job), path)
        : // "Copied a.csv to a.csv" did not say where it went.
          trans.__('Copied %1 to the workspace root', sourceName(job));
  } else if (copied.length > 0) {
    const files = copied.reduce((sum, job) => sum + job.files_done, 0);
    reveal = where.replace(/\/$/, '');
    success = trans._n(
      'Copied %1 file to %2',
      'Copied %1 files to %2',
      files,
      where || trans.__('the workspace root')
    );
  }
  if (failed.length === 0) {
    return { kind: 'success', message: success, reveal };
  }
  const named = failed
    .slice(0, NAMED_FAILURES)
    .map(job =>
      trans.__(
        '%1: %2',
        sourceName(job),
        job.error?.message ?? trans.__('unknown error')
      )
    );
  if (failed.length > NAMED_FAILURES) {
    named.push(trans.__('and %1 more', failed.length - NAMED_FAILURES));
  }
  const failure = trans._n(
    'Copy to the workspace failed for %1 item: %2',
    'Copy to the workspace failed for %1 items: %2',
    failed.length,
    named.join('; ')
  );
  return {
    kind: 'error',
    message: success ? `${success}. ${failure}` : failure,
    reveal
  };
}

/**
 * Notify the user of `report`, with "Show in file browser" when something
 * was copied and the file browser's command exists.
 */
export function notifyCopy(
  report: ICopyReport,
  trans: TranslationBundle,
  commands?: CommandRegistry
): void {
  const path = report.reveal;
  const actions: Notification.IAction[] =
    path !== null && commands?.hasCommand(GO_TO_PATH)
      ? [
          {
            label: trans.__('Show in file browser'),
            caption: trans.__('Show %1 in the file browser', path || '/'),
            callback: () => void revealInFileBrowser(commands, path)
          }
        ]
      : [];
  if (report.kind === 'success') {
    Notification.success(report.message, { autoClose: 8000, actions });
  } else {
    // An error stays until dismissed: the user must be able to read it.
    Notification.error(report.message, { autoClose: false, actions });
  }
}

/**
 * Open the file browser at `path` and select it.
 *
 * The file browser's go-to-path refreshes the folder's contents, but its
 * listing repaints the new items only on the next frame and looks the name
 * up before that: a file just copied there was "not found" (logged, nothing
 * selected). Going to the folder first, then to the file a frame later,
 * finds it.
 */
export async function revealInFileBrowser(
  commands: CommandRegistry,
  path: string
): Promise<void> {
  const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  await commands.execute(GO_TO_PATH, { path: folder });
  await new Promise<void>(resolve => requestAnimationFrame(() => resolve()));
  await commands.execute(GO_TO_PATH, { path });
}
