/**
 * The S3 browser: the bucket (or location) list, then the open folder, with
 * uploads and workspace copies that carry on while the user moves around.
 */
import { InputDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { useUcdhClient } from '../client';
import type { IProblem } from '../api';
import { ProblemView } from '../common/problemview';
import { useRequest } from '../common/useRequest';
import { toProblem } from '../common/problem';
import { CSS } from '../tokens';
import { runAction, S3Action } from './actions';
import type { IS3Location } from './api';
import { FolderView } from './folder';
import { IS3Place, S3Activity, useActivity } from './jobs';
import { S3Row } from './model';
import { TransferList } from './transfers';
import { UploadList, useUploads } from './uploads';

const C = CSS.S3;

/** Props of {@link S3Browser}. */
export interface IS3BrowserProps {
  trans: TranslationBundle;
  /** The workspace folder copies land in; the Jupyter root when omitted. */
  workspaceFolder?: () => string;
  /** The application's commands: the file browser's reveals a copy. */
  commands?: CommandRegistry;
  /** Entries per page; the server's maximum by default. */
  pageSize?: number;
  /**
   * The open folder and the transfer jobs, shared with the file browser's
   * "Upload to S3…"; the browser's own when omitted.
   */
  activity?: S3Activity;
}

/** The S3 section's content. */
export function S3Browser(props: IS3BrowserProps): JSX.Element {
  const { trans } = props;
  const client = useUcdhClient();
  const [activity] = React.useState(
    () => props.activity ?? new S3Activity(client)
  );
  const { place, generation } = useActivity(activity);
  const setPlace = (next: IS3Place | null): void => activity.setPlace(next);
  const [problem, setProblem] = React.useState<IProblem | null>(null);
  const refresh = React.useCallback(() => activity.invalidate(), [activity]);
  const { uploads, add, cancel, dismiss } = useUploads(trans, refresh);
  const buckets = useRequest(
    signal => client.s3.listBuckets(signal),
    'buckets',
    0
  );

  const { workspaceFolder, commands } = props;
  const onAction = React.useCallback(
    (action: S3Action, rows: S3Row[]) => {
      const current = activity.state.place;
      if (!current || rows.length === 0) {
        return;
      }
      if (action === 'open') {
        activity.setPlace({ ...current, prefix: rows[0].key });
        return;
      }
      setProblem(null);
      runAction(action, rows, {
        bucket: current.location.bucket,
        trans,
        client,
        workspaceFolder: workspaceFolder ?? (() => ''),
        onChanged: refresh,
        activity,
        commands
      }).catch(reason => setProblem(toProblem(reason)));
    },
    [trans, client, workspaceFolder, commands, refresh, activity]
  );

  const newFolder = async (at: IS3Place): Promise<void> => {
    const answer = await InputDialog.getText({
      title: trans.__(
        'New folder in %1',
        `s3://${at.location.bucket}/${at.prefix}`
      ),
      placeholder: trans.__('Folder name'),
      okLabel: trans.__('Create')
    });
    const name = answer.value?.trim().replace(/\/+$/, '');
    if (answer.button.accept && name) {
      await client.s3.createFolder(at.location.bucket, `${at.prefix}${name}`);
      refresh();
    }
  };

  return (
    <div className={C.root}>
      {place === null ? (
        <BucketList
          locations={buckets.data?.buckets ?? null}
          error={buckets.error}
          busy={buckets.busy}
          onRetry={buckets.retry}
          onOpen={location => setPlace({ location, prefix: location.prefix })}
          trans={trans}
        />
      ) : (
        <FolderView
          key={`${place.location.bucket}/${place.prefix}`}
          location={place.location}
          prefix={place.prefix}
          generation={generation}
          onNavigate={prefix =>
            setPlace(prefix === null ? null : { ...place, prefix })
          }
          onAction={onAction}
          onNewFolder={() =>
            newFolder(place).catch(reason => setProblem(toProblem(reason)))
          }
          onUpload={files => add(files, place.location.bucket, place.prefix)}
          trans={trans}
          pageSize={props.pageSize}
        />
      )}
      {problem && <ProblemView problem={problem} busy={false} trans={trans} />}
      <TransferList
        activity={activity}
        trans={trans}
        onError={reason => setProblem(toProblem(reason))}
      />
      <UploadList
        uploads={uploads}
        onCancel={cancel}
        onDismiss={dismiss}
        trans={trans}
      />
    </div>
  );
}

/** Props of {@link BucketList}. */
interface IBucketListProps {
  locations: IS3Location[] | null;
  error: IProblem | null;
  busy: boolean;
  onRetry: () => void;
  onOpen: (location: IS3Location) => void;
  trans: TranslationBundle;
}

/** The buckets, or the admin's named locations. */
function BucketList(props: IBucketListProps): JSX.Element {
  const { locations, error, busy, onRetry, onOpen, trans } = props;
  return (
    <>
      <p className={C.status} aria-live="polite">
        {locations === null
          ? error
            ? ''
            : trans.__('Loading buckets…')
          : trans._n('%1 bucket', '%1 buckets', locations.length)}
      </p>
      {error && (
        <ProblemView
          problem={error}
          busy={busy}
          onRetry={onRetry}
          trans={trans}
        />
      )}
      {locations !== null && locations.length === 0 && (
        <div className={C.empty}>
          <p>{trans.__('No bucket to show.')}</p>
          <p className={CSS.hint}>
            {trans.__(
              'Your role may list no bucket, and no location is configured. Ask your administrator to add one (UcdhConfig.locations).'
            )}
          </p>
        </div>
      )}
      {locations !== null && locations.length > 0 && (
        <ul className={C.list} aria-label={trans.__('Buckets')}>
          {locations.map((location, index) => (
            <li
              key={`${location.bucket}/${location.prefix}/${location.name}`}
              className={`${C.row} ${C.bucket}`}
              data-kind="bucket"
              data-key={location.name}
              tabIndex={index === 0 ? 0 : -1}
              title={`s3://${location.bucket}/${location.prefix}`}
              onClick={() => onOpen(location)}
              onKeyDown={event => {
                const target = event.currentTarget;
                const next =
                  event.key === 'ArrowDown'
                    ? target.nextElementSibling
                    : event.key === 'ArrowUp'
                      ? target.previousElementSibling
                      : null;
                if (next instanceof HTMLElement) {
                  event.preventDefault();
                  next.focus();
                } else if (event.key === 'Enter') {
                  event.preventDefault();
                  onOpen(location);
                }
              }}
            >
              <span className={CSS.S3.name}>{location.name}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
