/**
 * One folder of a bucket: breadcrumb, filter, and its folders then objects,
 * loaded a page at a time as the user scrolls near the end; rows can be
 * selected and acted on together.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { newFolderIcon, searchIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ProblemView } from '../common/problemview';
import { CSS } from '../tokens';
import { S3ActionHandler } from './actions';
import { IS3Location } from './api';
import {
  breadcrumb,
  canLoadMore,
  filterRows,
  IPaging,
  PAGE_SIZE,
  parentPrefix,
  rowsOf,
  S3Row
} from './model';
import { ObjectList } from './objectlist';
import { usePaging } from './paging';
import { ActionMenu, useBodyOverlay } from './rows';
import { SearchResults, useSearch } from './search';
import { NO_SELECTION, selectedRows } from './selection';
import { SelectionBar } from './selectionbar';

const C = CSS.S3;

/** Props of {@link FolderView}. */
export interface IFolderViewProps {
  location: IS3Location;
  prefix: string;
  /** Changes when the listing must be read again (after an upload or delete). */
  generation: number;
  /** Open a prefix of this location; null leaves it for the bucket list. */
  onNavigate: (prefix: string | null) => void;
  /** Run an action on one row or on the selected ones. */
  onAction: S3ActionHandler;
  /** Files dropped or picked for upload into this folder. */
  onUpload: (files: File[]) => void;
  /** Ask for a name and create a folder here. */
  onNewFolder: () => void;
  trans: TranslationBundle;
  /** Entries per page; the server's maximum by default. */
  pageSize?: number;
}

/** A folder's breadcrumb, toolbar and rows. */
export function FolderView(props: IFolderViewProps): JSX.Element {
  const { location, prefix, trans, onNavigate, onAction, onUpload } = props;
  const { paging, loadMore } = usePaging(
    location.bucket,
    prefix,
    props.generation,
    props.pageSize ?? PAGE_SIZE
  );
  const [filter, setFilter] = React.useState('');
  const [searching, setSearching] = React.useState(false);
  const [searchText, setSearchText] = React.useState('');
  const {
    search,
    more: searchMore,
    cancel: searchCancel
  } = useSearch(location.bucket, prefix, searching ? searchText : '');
  const showingSearch = searching && search.query !== '';
  const textBox = React.useRef<HTMLInputElement>(null);
  const toggle = React.useRef<HTMLButtonElement>(null);
  // Set by the magnifier: the box it shows takes the cursor (not on first render).
  const focusBox = React.useRef(false);
  React.useEffect(() => {
    if (focusBox.current) {
      focusBox.current = false;
      textBox.current?.focus();
    }
  }, [searching]);
  const closeSearch = (): void => {
    setSearchText('');
    setSearching(false);
    toggle.current?.focus();
  };
  const [menu, setMenu] = React.useState<{
    rows: S3Row[];
    x: number;
    y: number;
  } | null>(null);
  const [dropping, setDropping] = React.useState(false);
  const [selection, setSelection] = React.useState(NO_SELECTION);
  const fileInput = React.useRef<HTMLInputElement>(null);

  const rows = React.useMemo(() => rowsOf(paging), [paging]);
  const shown = React.useMemo(() => filterRows(rows, filter), [rows, filter]);
  // The selection acts only on rows the user can see (not ones the filter hides).
  const selected = React.useMemo(
    () => selectedRows(shown, selection),
    [shown, selection]
  );
  const filtering = filter.trim() !== '';
  // Not while filtering: a filter that hides every row would load the whole prefix.
  const nearEnd = !filtering && canLoadMore(paging) ? loadMore : null;

  const goUp = (): void => onNavigate(parentPrefix(location, prefix));
  const onMenu = React.useCallback(
    (targets: S3Row[], x: number, y: number) =>
      setMenu({ rows: targets, x, y }),
    []
  );

  useBodyOverlay(
    menu && (
      <ActionMenu
        {...menu}
        onAction={onAction}
        onClose={() => setMenu(null)}
        trans={trans}
      />
    )
  );

  const hasFiles = (event: React.DragEvent): boolean =>
    Array.from(event.dataTransfer?.types ?? []).includes('Files');

  return (
    <div
      className={`${C.folder}${dropping ? ` ${C.dropping}` : ''}`}
      onKeyDown={event => {
        const target = event.target as HTMLElement;
        if (event.key === 'Backspace' && !target.closest('input, textarea')) {
          event.preventDefault();
          goUp();
        }
      }}
      onDragOver={event => {
        if (hasFiles(event)) {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
          setDropping(true);
        }
      }}
      onDragLeave={event => {
        if (!event.currentTarget.contains(event.relatedTarget as Node)) {
          setDropping(false);
        }
      }}
      onDrop={event => {
        if (hasFiles(event)) {
          event.preventDefault();
          setDropping(false);
          onUpload(Array.from(event.dataTransfer.files));
        }
      }}
    >
      <Breadcrumb {...props} />
      <div className={CSS.S3.toolbar}>
        {searching ? (
          <input
            // Keys: the filter and the search box are two elements, not one
            // reused, so each mounts (and takes focus) on its own.
            key="search"
            ref={textBox}
            type="search"
            className={`${C.search} jp-mod-styled`}
            placeholder={trans.__('Search all of this folder')}
            aria-label={trans.__(
              'Search s3://%1/%2 for keys containing',
              location.bucket,
              prefix
            )}
            value={searchText}
            onChange={event => setSearchText(event.target.value)}
            onKeyDown={event => {
              if (event.key === 'Escape') {
                // Stops the scan too: its text is gone.
                event.preventDefault();
                event.stopPropagation();
                closeSearch();
              }
            }}
          />
        ) : (
          <input
            key="filter"
            ref={textBox}
            type="search"
            className={`${C.filter} jp-mod-styled`}
            placeholder={trans.__('Filter loaded items')}
            aria-label={trans.__('Filter loaded items by name')}
            value={filter}
            onChange={event => setFilter(event.target.value)}
          />
        )}
        <button
          ref={toggle}
          type="button"
          className={`${C.searchToggle} jp-Button jp-mod-styled`}
          aria-pressed={searching}
          title={
            searching
              ? trans.__('Back to filtering the loaded items')
              : trans.__(
                  'Search all of s3://%1/%2, not just the loaded items',
                  location.bucket,
                  prefix
                )
          }
          aria-label={trans.__('Search this folder')}
          onClick={() => {
            setSearchText('');
            focusBox.current = true;
            setSearching(!searching);
          }}
        >
          <searchIcon.react tag="span" />
        </button>
        <button
          type="button"
          className={`${C.newFolder} jp-Button jp-mod-styled`}
          title={trans.__(
            'Create a folder in s3://%1/%2',
            location.bucket,
            prefix
          )}
          aria-label={trans.__('New folder')}
          onClick={props.onNewFolder}
        >
          <newFolderIcon.react tag="span" />
        </button>
        <button
          type="button"
          className={`${C.upload} jp-Button jp-mod-styled jp-mod-accept`}
          title={trans.__(
            'Upload files to s3://%1/%2',
            location.bucket,
            prefix
          )}
          onClick={() => fileInput.current?.click()}
        >
          {trans.__('Upload')}
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          className={C.fileInput}
          onChange={event => {
            const files = Array.from(event.target.files ?? []);
            event.target.value = '';
            if (files.length > 0) {
              onUpload(files);
            }
          }}
        />
      </div>
      {showingSearch && (
        <SearchResults
          bucket={location.bucket}
          prefix={prefix}
          search={search}
          onMore={searchMore}
          onCancel={searchCancel}
          onAction={onAction}
          onNavigate={onNavigate}
          trans={trans}
        />
      )}
      {!showingSearch && (
        <>
          <p className={C.status} aria-live="polite">
            {statusText(paging, rows.length, shown.length, filtering, trans)}
          </p>
          {paging.error && (
            <ProblemView
              problem={paging.error}
              busy={paging.loading}
              onRetry={() => {
                // Retry from where the listing stopped; loaded rows stay.
                loadMore();
              }}
              trans={trans}
            />
          )}
          {paging.complete && rows.length === 0 && (
            <div className={C.empty}>
              <p>{trans.__('This folder is empty.')}</p>
              <p className={CSS.hint}>
                {trans.__('Drop files here or click Upload to add some.')}
              </p>
            </div>
          )}
          {rows.length > 0 && shown.length === 0 && (
            <div className={C.empty}>
              <p>{trans.__('No loaded item matches “%1”.', filter.trim())}</p>
              {!paging.complete && (
                <p className={CSS.hint}>
                  {trans.__(
                    'Only loaded pages are filtered: load more to look further.'
                  )}
                </p>
              )}
            </div>
          )}
          <ObjectList
            bucket={location.bucket}
            rows={shown}
            label={trans.__('Contents of s3://%1/%2', location.bucket, prefix)}
            selection={selection}
            onSelect={setSelection}
            onAction={onAction}
            onMenu={onMenu}
            onNearEnd={nearEnd}
            trans={trans}
          >
            {!paging.complete && !paging.error && paging.pages > 0 && (
              <button
                type="button"
                className={`${C.more} jp-Button jp-mod-styled`}
                disabled={paging.loading}
                onClick={loadMore}
              >
                {paging.loading ? trans.__('Loading…') : trans.__('Load more')}
              </button>
            )}
          </ObjectList>
          <SelectionBar
            rows={selected}
            onAction={onAction}
            onClear={() => setSelection(NO_SELECTION)}
            trans={trans}
          />
        </>
      )}
    </div>
  );
}

/** The location, then one button per folder level; the first leaves the location. */
function Breadcrumb(props: IFolderViewProps): JSX.Element {
  const { location, prefix, onNavigate, trans } = props;
  const crumbs = breadcrumb(location, prefix);
  return (
    <nav className={C.breadcrumb} aria-label={trans.__('Folder path')}>
      <button
        type="button"
        className={CSS.S3.crumb}
        onClick={() => onNavigate(null)}
      >
        {trans.__('Buckets')}
      </button>
      {crumbs.map((crumb, index) => {
        const last = index === crumbs.length - 1;
        return (
          <React.Fragment key={crumb.prefix}>
            <span className={CSS.S3.separator} aria-hidden="true">
              /
            </span>
            <button
              type="button"
              className={CSS.S3.crumb}
              aria-current={last ? 'location' : undefined}
              disabled={last}
              onClick={() => onNavigate(crumb.prefix)}
            >
              {crumb.label}
            </button>
          </React.Fragment>
        );
      })}
    </nav>
  );
}

function statusText(
  paging: IPaging,
  loaded: number,
  shown: number,
  filtering: boolean,
  trans: TranslationBundle
): string {
  if (paging.pages === 0) {
    return paging.loading ? trans.__('Loading…') : '';
  }
  const count = paging.complete
    ? trans._n('%1 item', '%1 items', loaded)
    : trans.__('%1 items loaded, more to come', loaded);
  return filtering ? trans.__('%1 of %2 shown', shown, count) : count;
}
