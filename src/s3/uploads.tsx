/**
 * Uploads from the desktop into the open folder: one XHR per file with a
 * progress bar and Cancel; an existing key asks before it is overwritten.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { useUcdhClient } from '../client';
import { toProblem } from '../common/problem';
import { CSS } from '../tokens';
import { formatBytes } from '../common/format';

/** One file being (or just) uploaded. */
export interface IUpload {
  id: number;
  name: string;
  key: string;
  loaded: number;
  total: number;
  state: 'uploading' | 'done' | 'failed' | 'cancelled';
  message: string;
}

/** How long a finished upload stays in the list, in ms. */
const DONE_VISIBLE_MS = 4000;

let nextId = 1;

/**
 * Upload state of the browser; it outlives folder views, so moving to another
 * folder does not stop an upload.
 *
 * @param onUploaded called after each stored file, to refresh the listing
 */
export function useUploads(
  trans: TranslationBundle,
  onUploaded: () => void
): {
  uploads: IUpload[];
  add: (files: Iterable<File>, bucket: string, prefix: string) => void;
  cancel: (id: number) => void;
  dismiss: (id: number) => void;
} {
  const client = useUcdhClient();
  const [uploads, setUploads] = React.useState<IUpload[]>([]);
  const controllers = React.useRef(new Map<number, AbortController>());
  const uploaded = React.useRef(onUploaded);
  uploaded.current = onUploaded;

  const update = (id: number, change: Partial<IUpload>): void =>
    setUploads(list =>
      list.map(item => (item.id === id ? { ...item, ...change } : item))
    );
  const dismiss = React.useCallback(
    (id: number) => setUploads(list => list.filter(item => item.id !== id)),
    []
  );

  const send = async (
    file: File,
    bucket: string,
    key: string,
    id: number
  ): Promise<void> => {
    const controller = new AbortController();
    controllers.current.set(id, controller);
    const options = {
      signal: controller.signal,
      onProgress: (loaded: number, total: number) =>
        update(id, { loaded, total })
    };
    try {
      try {
        await client.s3.uploadObject(bucket, key, file, false, options);
      } catch (error) {
        if (toProblem(error).status !== 409) {
          throw error;
        }
        if (!(await confirmOverwrite(bucket, key, trans))) {
          update(id, { state: 'cancelled', message: trans.__('Kept') });
          return;
        }
        update(id, { loaded: 0 });
        await client.s3.uploadObject(bucket, key, file, true, options);
      }
      update(id, { state: 'done', loaded: file.size, message: '' });
      uploaded.current();
      window.setTimeout(() => dismiss(id), DONE_VISIBLE_MS);
    } catch (error) {
      const problem = toProblem(error);
      update(
        id,
        problem.code === 'aborted'
          ? { state: 'cancelled', message: trans.__('Cancelled') }
          : { state: 'failed', message: problem.message }
      );
    } finally {
      controllers.current.delete(id);
    }
  };

  const add = (files: Iterable<File>, bucket: string, prefix: string): void => {
    const added: IUpload[] = [];
    for (const file of files) {
      const id = nextId++;
      const key = `${prefix}${file.name}`;
      added.push({
        id,
        name: file.name,
        key,
        loaded: 0,
        total: file.size,
        state: 'uploading',
        message: ''
      });
      void send(file, bucket, key, id);
    }
    setUploads(list => list.concat(added));
  };

  const cancel = React.useCallback((id: number) => {
    controllers.current.get(id)?.abort();
  }, []);

  React.useEffect(
    () => () => {
      // The section is disposed: nobody would see these finish.
      controllers.current.forEach(controller => controller.abort());
    },
    []
  );

  return { uploads, add, cancel, dismiss };
}

async function confirmOverwrite(
  bucket: string,
  key: string,
  trans: TranslationBundle
): Promise<boolean> {
  const answer = await showDialog({
    title: trans.__('Replace %1?', key),
    body: trans.__(
      's3://%1/%2 already exists. Uploading replaces it.',
      bucket,
      key
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Keep it') }),
      Dialog.warnButton({ label: trans.__('Replace') })
    ]
  });
  return answer.button.accept;
}

/** The uploads' progress bars. */
export function UploadList(props: {
  uploads: IUpload[];
  onCancel: (id: number) => void;
  onDismiss: (id: number) => void;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { uploads, onCancel, onDismiss, trans } = props;
  if (uploads.length === 0) {
    return null;
  }
  return (
    <ul className={CSS.S3.uploads} aria-label={trans.__('Uploads')}>
      {uploads.map(item => {
        const fraction = item.total > 0 ? item.loaded / item.total : 1;
        const percent = Math.round(fraction * 100);
        return (
          <li
            key={item.id}
            className={CSS.S3.progress}
            data-state={item.state}
            data-key={item.key}
          >
            <span className={CSS.S3.progressName} title={item.key}>
              {item.name}
            </span>
            <progress
              max={100}
              value={percent}
              aria-label={trans.__('Upload of %1', item.name)}
            />
            <span className={CSS.S3.progressText}>
              {item.state === 'uploading'
                ? `${formatBytes(item.loaded)} / ${formatBytes(item.total)}`
                : item.state === 'done'
                  ? trans.__('Uploaded')
                  : item.message}
            </span>
            {item.state === 'uploading' ? (
              <button
                type="button"
                className={`${CSS.S3.cancel} jp-Button jp-mod-minimal`}
                onClick={() => onCancel(item.id)}
              >
                {trans.__('Cancel')}
              </button>
            ) : (
              <button
                type="button"
                className={`${CSS.S3.dismiss} jp-Button jp-mod-minimal`}
                aria-label={trans.__('Dismiss')}
                onClick={() => onDismiss(item.id)}
              >
                ×
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
