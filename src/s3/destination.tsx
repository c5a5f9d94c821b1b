/**
 * Where "Upload to S3…" puts workspace files: the destination dialog's body
 * (bucket or location, folder, and the URI each item will get), and the pure
 * rules that turn a choice into transfer requests.
 */
import { Dialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { CSS } from '../tokens';
import { ProblemView } from '../common/problemview';
import { useRequest } from '../common/useRequest';
import type { IS3Location, IS3ToS3 } from './api';
import { IS3Place, S3Activity } from './jobs';
import { s3Uri } from './model';

/** A file or folder of the workspace, as the file browser lists it. */
export interface IWorkspaceItem {
  /** Relative to the Jupyter root. */
  path: string;
  name: string;
  isDirectory: boolean;
}

/** A folder prefix as S3 keys need it: no leading `/`, one trailing `/`, "" for the top. */
export function normalizePrefix(text: string): string {
  const trimmed = text.trim().replace(/^\/+/, '');
  return trimmed === '' ? '' : trimmed.replace(/\/*$/, '/');
}

/** Where `item` lands under `place`: a file keeps its name, a folder becomes a prefix. */
export function uploadTarget(item: IWorkspaceItem, place: IS3Place): string {
  return s3Uri(
    place.location.bucket,
    `${place.prefix}${item.name}${item.isDirectory ? '/' : ''}`
  );
}

/**
 * The `POST s3/transfers` bodies (`direction: to_s3`) that copy `items` into
 * `place`: a file to `prefix + name`; a folder's files below `prefix + name/`
 * (the server puts a folder's *contents* under the prefix it is given).
 */
export function uploadBodies(
  items: IWorkspaceItem[],
  place: IS3Place
): IS3ToS3[] {
  const bucket = place.location.bucket;
  return items.map(item => ({
    bucket,
    path: item.path,
    prefix: item.isDirectory ? `${place.prefix}${item.name}/` : place.prefix
  }));
}

/** The dialog body: the destination picker; its value is the chosen place. */
export class DestinationBody
  extends ReactWidget
  implements Dialog.IBodyWidget<IS3Place | null>
{
  constructor(
    private readonly _items: IWorkspaceItem[],
    private readonly _activity: S3Activity,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass(CSS.S3.uploadDialog);
    this._value = _activity.state.place;
  }

  /** The destination as the dialog closes; null without a bucket. */
  getValue(): IS3Place | null {
    return this._value;
  }

  protected render(): JSX.Element {
    return (
      <DestinationPicker
        items={this._items}
        activity={this._activity}
        trans={this._trans}
        onChange={place => {
          this._value = place;
        }}
      />
    );
  }

  private _value: IS3Place | null;
}

/** Props of {@link DestinationPicker}. */
export interface IDestinationPickerProps {
  items: IWorkspaceItem[];
  activity: S3Activity;
  trans: TranslationBundle;
  onChange: (place: IS3Place | null) => void;
}

/** The same location: same bucket, prefix and name. */
function sameLocation(a: IS3Location, b: IS3Location): boolean {
  return a.bucket === b.bucket && a.prefix === b.prefix && a.name === b.name;
}

/**
 * Bucket (or location) and folder, defaulting to the folder open in the S3
 * section, and the S3 URI each item will get.
 */
export function DestinationPicker(props: IDestinationPickerProps): JSX.Element {
  const { items, activity, trans, onChange } = props;
  const initial = activity.state.place;
  const buckets = useRequest(
    signal => activity.client.s3.listBuckets(signal),
    'buckets',
    0
  );
  const locations = React.useMemo(() => {
    const listed = buckets.data?.buckets ?? [];
    // The open location is offered even before (or without) the bucket list.
    return initial && !listed.some(l => sameLocation(l, initial.location))
      ? [initial.location, ...listed]
      : listed;
  }, [buckets.data, initial]);
  const [chosen, setChosen] = React.useState<IS3Location | null>(
    initial?.location ?? null
  );
  const [folder, setFolder] = React.useState(initial?.prefix ?? '');
  const [typedBucket, setTypedBucket] = React.useState('');

  const pick = (next: IS3Location): void => {
    setChosen(next);
    setFolder(next.prefix);
  };
  // Nothing open in the S3 section: the first bucket, once listed.
  React.useEffect(() => {
    if (chosen === null && locations.length > 0) {
      pick(locations[0]);
    }
  }, [chosen, locations]);

  const typed = typedBucket.trim();
  const location: IS3Location | null =
    chosen ??
    (typed ? { name: typed, bucket: typed, prefix: '', created: null } : null);
  const place: IS3Place | null = location
    ? { location, prefix: normalizePrefix(folder) }
    : null;
  // Before the targets show: Upload must never read a place older than them.
  React.useLayoutEffect(() => onChange(place));

  const onFolder = (text: string): void => {
    // A pasted s3:// URI of a listed bucket picks the bucket too.
    const uri = /^s3:\/\/([^/]+)\/?(.*)$/.exec(text.trim());
    const match = uri && locations.find(l => l.bucket === uri[1]);
    if (uri && match) {
      setChosen(match);
      setFolder(uri[2]);
    } else {
      setFolder(text);
    }
  };

  return (
    <div className={CSS.S3.destination}>
      {buckets.error && locations.length === 0 ? (
        <>
          <ProblemView
            problem={buckets.error}
            busy={buckets.busy}
            onRetry={buckets.retry}
            trans={trans}
          />
          <label className={CSS.S3.field}>
            <span>{trans.__('Bucket')}</span>
            <input
              className={`jp-mod-styled ${CSS.S3.destBucket}`}
              value={typedBucket}
              onChange={event => setTypedBucket(event.target.value)}
            />
          </label>
        </>
      ) : (
        <label className={CSS.S3.field}>
          <span>{trans.__('Bucket')}</span>
          <select
            className={`jp-mod-styled ${CSS.S3.destBucket}`}
            value={
              location
                ? locations.findIndex(l => sameLocation(l, location))
                : -1
            }
            disabled={locations.length === 0}
            onChange={event => pick(locations[Number(event.target.value)])}
          >
            {locations.length === 0 && (
              <option value={-1}>{trans.__('Loading buckets…')}</option>
            )}
            {locations.map((l, index) => (
              <option key={`${l.name}/${l.bucket}/${l.prefix}`} value={index}>
                {l.name === l.bucket && !l.prefix
                  ? l.bucket
                  : `${l.name} (s3://${l.bucket}/${l.prefix})`}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className={CSS.S3.field}>
        <span>{trans.__('Folder')}</span>
        <input
          className={`jp-mod-styled ${CSS.S3.destPrefix}`}
          value={folder}
          placeholder={trans.__('(the top of the bucket)')}
          spellCheck={false}
          onChange={event => onFolder(event.target.value)}
        />
      </label>
      {place ? (
        <>
          <p>{trans.__('Will be uploaded to:')}</p>
          <ul className={CSS.S3.destTargets}>
            {items.map(item => (
              <li key={item.path}>
                <code>{uploadTarget(item, place)}</code>
                {item.isDirectory && (
                  <span className={CSS.hint}>
                    {' '}
                    {trans.__('(the folder and everything in it)')}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className={CSS.hint}>{trans.__('Choose a bucket.')}</p>
      )}
      <p className={CSS.hint}>
        {trans.__('Existing objects are replaced only after you confirm.')}
      </p>
    </div>
  );
}
