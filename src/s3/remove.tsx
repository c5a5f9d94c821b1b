/**
 * Delete listed objects and folders: the server counts first (a dry run), the
 * user confirms with the total in front of them, then everything goes.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { CSS } from '../tokens';
import type { IActionContext } from './context';
import type { IS3DeleteResult } from './api';
import { formatBytes } from '../common/format';
import { S3Row, s3Uri } from './model';

/** What one delete request names: objects, or one folder. */
type Target = { keys: string[] } | { prefix: string };

/** Names listed in the confirmation before "and N more". */
const LISTED_NAMES = 5;

/** The requests that delete `rows`: their objects at once, then each folder. */
export function deleteTargets(rows: S3Row[]): Target[] {
  const keys = rows.filter(row => row.kind === 'object').map(row => row.key);
  const targets: Target[] = keys.length > 0 ? [{ keys }] : [];
  for (const row of rows) {
    if (row.kind === 'folder') {
      targets.push({ prefix: row.key });
    }
  }
  return targets;
}

/** Count, confirm, delete, list again; failures are reported, not thrown. */
export async function remove(
  rows: S3Row[],
  context: IActionContext
): Promise<void> {
  const { bucket, client } = context;
  const targets = deleteTargets(rows);
  const counted = await Promise.all(
    targets.map(target => client.s3.deleteObjects(bucket, target, true))
  );
  if (!(await confirmDelete(rows, counted, context))) {
    return;
  }
  const results: IS3DeleteResult[] = [];
  try {
    for (const target of targets) {
      results.push(await client.s3.deleteObjects(bucket, target, false));
    }
  } finally {
    context.onChanged();
  }
  const errors = ([] as IS3DeleteResult['errors']).concat(
    ...results.map(result => result.errors)
  );
  if (errors.length > 0) {
    const total = results.reduce((sum, result) => sum + result.count, 0);
    Notification.error(
      context.trans.__(
        '%1 of %2 objects could not be deleted: %3',
        errors.length,
        total,
        errors[0].message
      ),
      { autoClose: false }
    );
  }
}

/** The question before a delete, with what the dry runs counted. */
async function confirmDelete(
  rows: S3Row[],
  counted: IS3DeleteResult[],
  context: IActionContext
): Promise<boolean> {
  const { bucket, trans } = context;
  const count = counted.reduce((sum, result) => sum + result.count, 0);
  // A folder's bytes come from its dry run; selected objects' from the listing.
  const bytes =
    counted.reduce((sum, result) => sum + (result.bytes ?? 0), 0) +
    rows.reduce(
      (sum, row) => sum + (row.kind === 'object' ? row.object.size : 0),
      0
    );
  const size =
    rows.length === 1 && counted[0]?.bytes === null
      ? ''
      : ` (${formatBytes(bytes)})`;
  const row = rows[0];
  let title: string;
  let body: React.ReactElement;
  if (rows.length === 1 && row.kind === 'object') {
    title = trans.__('Delete %1?', row.name);
    body = (
      <p>{trans.__('%1 will be deleted for good.', s3Uri(bucket, row.key))}</p>
    );
  } else if (rows.length === 1) {
    title = trans._n('Delete %1 object?', 'Delete %1 objects?', count);
    body = (
      <p>
        {trans._n(
          'The folder %2 holds %1 object%3. It will be deleted for good.',
          'The folder %2 holds %1 objects%3. They will be deleted for good.',
          count,
          row.key,
          size
        )}
      </p>
    );
  } else {
    title = trans._n('Delete %1 object?', 'Delete %1 objects?', count);
    body = (
      <SelectionSummary rows={rows} count={count} size={size} trans={trans} />
    );
  }
  const answer = await showDialog({
    title,
    body,
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({ label: trans.__('Delete') })
    ]
  });
  return answer.button.accept;
}

/** What a multiple delete removes: the total, then the first names. */
function SelectionSummary(props: {
  rows: S3Row[];
  count: number;
  size: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { rows, count, size, trans } = props;
  const listed = rows.slice(0, LISTED_NAMES);
  return (
    <div className={CSS.S3.deleteSummary}>
      <p>
        {trans._n(
          'The %2 selected items hold %1 object%3. It will be deleted for good.',
          'The %2 selected items hold %1 objects%3. They will be deleted for good.',
          count,
          rows.length,
          size
        )}
      </p>
      <ul>
        {listed.map(row => (
          <li key={row.key}>
            {row.kind === 'folder' ? `${row.name}/` : row.name}
          </li>
        ))}
      </ul>
      {rows.length > listed.length && (
        <p>{trans.__('…and %1 more.', rows.length - listed.length)}</p>
      )}
    </div>
  );
}
