/**
 * Search a whole folder on the server for keys containing a text: one bounded
 * scan per request, "Search further" to scan on, and cancelled (aborted, and
 * no more asked) as soon as the text changes or is cleared.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { fileIcon, folderIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { useUcdhClient } from '../client';
import type { IProblem } from '../api';
import { ProblemView } from '../common/problemview';
import { toProblem } from '../common/problem';
import { CSS } from '../tokens';
import { S3ActionHandler } from './actions';
import type { IS3Object } from './api';
import { formatBytes } from '../common/format';
import { lastSegment, S3Row } from './model';

const C = CSS.S3;

/** How long typing must pause before a search is sent, in ms. */
export const SEARCH_DELAY_MS = 300;

/** The matches of one search text so far. */
export interface ISearchState {
  /** The (trimmed) text these matches are for; "" when not searching. */
  query: string;
  matches: IS3Object[];
  /** Keys scanned so far. */
  scanned: number;
  /** What to pass to scan on; null before the first answer and at the end. */
  cursor: string | null;
  /** Answers received. */
  pages: number;
  /** The whole prefix was scanned. */
  complete: boolean;
  loading: boolean;
  /** The user cancelled the scan; what it found so far stays. */
  stopped: boolean;
  error: IProblem | null;
}

function idle(query: string): ISearchState {
  return {
    query,
    matches: [],
    scanned: 0,
    cursor: null,
    pages: 0,
    complete: false,
    loading: false,
    stopped: false,
    error: null
  };
}

/**
 * Search `prefix` for `text`; the scan starts once typing pauses.
 *
 * One scan asks the server page after page (each a bounded request, resumed
 * from its cursor) until it has found something new or reached the end, so a
 * key past the first pages is found without the user asking again. Every page
 * is shown as it arrives; a cancelled or failed scan keeps what it found.
 *
 * @returns the state, `more` to scan on (or to retry a failed page), and
 *   `cancel` to stop the scan in progress
 */
export function useSearch(
  bucket: string,
  prefix: string,
  text: string
): { search: ISearchState; more: () => void; cancel: () => void } {
  const client = useUcdhClient();
  const query = text.trim();
  const [search, setSearch] = React.useState<ISearchState>(() => idle(''));
  // The latest state, for `more` and the scan loop (which outlive a render).
  const latest = React.useRef(search);
  const controller = React.useRef<AbortController | null>(null);
  const show = React.useCallback((state: ISearchState) => {
    latest.current = state;
    setSearch(state);
  }, []);

  const scan = React.useCallback(
    async (from: ISearchState): Promise<void> => {
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      let state: ISearchState = {
        ...from,
        loading: true,
        stopped: false,
        error: null
      };
      show(state);
      const found = state.matches.length;
      try {
        do {
          const page = await client.s3.searchObjects(
            bucket,
            prefix,
            state.query,
            state.cursor,
            current.signal
          );
          if (current.signal.aborted) {
            return;
          }
          state = {
            ...state,
            matches: state.matches.concat(page.matches),
            scanned: state.scanned + page.scanned,
            cursor: page.next_cursor,
            pages: state.pages + 1,
            complete: page.next_cursor === null
          };
          show(state);
        } while (!state.complete && state.matches.length === found);
        show({ ...state, loading: false });
      } catch (reason) {
        if (!current.signal.aborted) {
          show({ ...state, loading: false, error: toProblem(reason) });
        }
      }
    },
    [bucket, prefix, client, show]
  );

  React.useEffect(() => {
    controller.current?.abort();
    controller.current = null;
    show(idle(query));
    if (!query) {
      return;
    }
    const timer = setTimeout(() => void scan(idle(query)), SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.current?.abort();
      controller.current = null;
    };
  }, [query, scan, show]);

  const more = React.useCallback(() => {
    const state = latest.current;
    if (state.query && !state.loading && !state.complete) {
      void scan(state);
    }
  }, [scan]);

  const cancel = React.useCallback(() => {
    const state = latest.current;
    if (state.loading) {
      controller.current?.abort();
      controller.current = null;
      show({ ...state, loading: false, stopped: true });
    }
  }, [show]);

  return { search, more, cancel };
}

/** The folder holding a key: everything up to its last `/`. */
export function folderOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/** Props of {@link SearchResults}. */
export interface ISearchResultsProps {
  bucket: string;
  prefix: string;
  search: ISearchState;
  onMore: () => void;
  /** Stop the scan in progress, keeping its matches. */
  onCancel: () => void;
  onAction: S3ActionHandler;
  /** Open the folder of a match. */
  onNavigate: (prefix: string) => void;
  trans: TranslationBundle;
}

/**
 * What a search found: its progress with Cancel while it scans, and "Search
 * further" while keys are left to scan.
 */
export function SearchResults(props: ISearchResultsProps): JSX.Element {
  const { bucket, prefix, search, onMore, onCancel, onAction, onNavigate } =
    props;
  const trans = props.trans;
  return (
    <>
      <div className={CSS.S3.searchProgress}>
        <p className={C.status} aria-live="polite">
          {searchStatus(search, trans)}
        </p>
        {search.loading && (
          <button
            type="button"
            className={`${CSS.S3.searchCancel} jp-Button jp-mod-styled`}
            title={trans.__('Stop searching; the matches found so far stay')}
            onClick={onCancel}
          >
            {trans.__('Cancel')}
          </button>
        )}
      </div>
      {search.error && (
        <ProblemView
          problem={search.error}
          busy={search.loading}
          onRetry={onMore}
          trans={trans}
        />
      )}
      {search.complete && search.matches.length === 0 && (
        <div className={C.empty}>
          <p>
            {trans.__(
              'No key under s3://%1/%2 contains “%3”.',
              bucket,
              prefix,
              search.query
            )}
          </p>
        </div>
      )}
      <div className={CSS.S3.scroll}>
        <ul
          className={C.list}
          aria-label={trans.__('Keys containing “%1”', search.query)}
        >
          {search.matches.map(match => {
            const row: S3Row = {
              kind: 'object',
              key: match.key,
              name: match.name,
              object: match
            };
            const folder = folderOf(match.key);
            return (
              <li key={match.key} className={C.match} data-key={match.key}>
                <button
                  type="button"
                  className={CSS.S3.matchName}
                  title={trans.__('Properties of %1', match.key)}
                  onClick={() => onAction('properties', [row])}
                >
                  <fileIcon.react tag="span" className={CSS.S3.icon} />
                  {/* The file's name first, its folders after: cut at the
                      end, a long path hid the very name searched for. */}
                  <span className={CSS.S3.name}>{lastSegment(match.name)}</span>
                  {match.name.includes('/') && (
                    <span className={CSS.S3.matchWithin}>
                      {match.name.slice(0, match.name.lastIndexOf('/') + 1)}
                    </span>
                  )}
                </button>
                <span className={C.size}>{formatBytes(match.size)}</span>
                <button
                  type="button"
                  className={`${C.matchFolder} jp-Button jp-mod-minimal`}
                  title={trans.__('Open s3://%1/%2', bucket, folder)}
                  aria-label={trans.__('Open the folder of %1', match.name)}
                  onClick={() => onNavigate(folder)}
                >
                  <folderIcon.react tag="span" />
                </button>
              </li>
            );
          })}
        </ul>
        {(search.pages > 0 || search.stopped) &&
          !search.complete &&
          !search.loading &&
          !search.error && (
            <button
              type="button"
              className={`${C.searchFurther} jp-Button jp-mod-styled`}
              onClick={onMore}
            >
              {trans.__('Search further')}
            </button>
          )}
      </div>
    </>
  );
}

/** A count as people read it: "12,000". */
function count(n: number): string {
  return n.toLocaleString('en-US');
}

function searchStatus(search: ISearchState, trans: TranslationBundle): string {
  const found = search.matches.length;
  if (search.loading) {
    if (search.pages === 0) {
      return trans.__('Searching…');
    }
    return found === 0
      ? trans.__('Searching… %1 keys scanned', count(search.scanned))
      : trans._n(
          'Searching… %1 match in %2 keys scanned',
          'Searching… %1 matches in %2 keys scanned',
          found,
          count(search.scanned)
        );
  }
  if (search.pages === 0) {
    if (search.stopped) {
      return trans.__('Search stopped.');
    }
    return search.error ? '' : trans.__('Searching…');
  }
  const summary = trans._n(
    '%1 match in %2 keys',
    '%1 matches in %2 keys',
    found,
    count(search.scanned)
  );
  if (search.complete) {
    return summary;
  }
  return search.stopped
    ? trans.__('Search stopped: %1 scanned; more keys to search', summary)
    : trans.__('%1 scanned so far; more keys to search', summary);
}
