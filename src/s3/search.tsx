/**
 * Search a whole folder on the server for keys containing a text: one bounded
 * scan per request, "Search further" to scan on, and cancelled (aborted, and
 * no more asked) as soon as the text changes or is cleared.
 */
import { ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { fileIcon, folderIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { IProblem } from '../api';
import { ProblemView } from '../compute/problem';
import { toProblem } from '../sidebar/statusheader';
import { CSS } from '../tokens';
import { S3ActionHandler } from './actions';
import { IS3Object, searchObjects } from './api';
import { formatSize, S3Row } from './model';

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
    error: null
  };
}

/**
 * Search `prefix` for `text`; the first page is asked once typing pauses.
 *
 * @returns the state, and `more` to scan on (or to retry a failed page)
 */
export function useSearch(
  bucket: string,
  prefix: string,
  text: string,
  settings?: ServerConnection.ISettings
): { search: ISearchState; more: () => void } {
  const query = text.trim();
  const [search, setSearch] = React.useState<ISearchState>(() => idle(''));
  const controller = React.useRef<AbortController | null>(null);

  const run = React.useCallback(
    (q: string, cursor: string | null) => {
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      setSearch(state => ({ ...state, loading: true, error: null }));
      searchObjects(bucket, prefix, q, cursor, settings, current.signal).then(
        page => {
          if (current.signal.aborted) {
            return;
          }
          setSearch(state => ({
            query: q,
            matches: state.matches.concat(page.matches),
            scanned: state.scanned + page.scanned,
            cursor: page.next_cursor,
            pages: state.pages + 1,
            complete: page.next_cursor === null,
            loading: false,
            error: null
          }));
        },
        reason => {
          if (current.signal.aborted) {
            return;
          }
          setSearch(state => ({
            ...state,
            loading: false,
            error: toProblem(reason)
          }));
        }
      );
    },
    [bucket, prefix, settings]
  );

  React.useEffect(() => {
    controller.current?.abort();
    controller.current = null;
    setSearch(idle(query));
    if (!query) {
      return;
    }
    const timer = setTimeout(() => run(query, null), SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.current?.abort();
      controller.current = null;
    };
  }, [query, run]);

  const more = React.useCallback(() => {
    if (search.query && !search.loading && !search.complete) {
      run(search.query, search.cursor);
    }
  }, [search, run]);

  return { search, more };
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
  onAction: S3ActionHandler;
  /** Open the folder of a match. */
  onNavigate: (prefix: string) => void;
  trans: TranslationBundle;
}

/** What a search found, with "Search further" while keys are left to scan. */
export function SearchResults(props: ISearchResultsProps): JSX.Element {
  const { bucket, prefix, search, onMore, onAction, onNavigate, trans } = props;
  return (
    <>
      <p className={C.status} aria-live="polite">
        {searchStatus(search, trans)}
      </p>
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
      <div className="jp-ucdh-S3-scroll">
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
                  className="jp-ucdh-S3-matchName"
                  title={trans.__('Properties of %1', match.key)}
                  onClick={() => onAction('properties', [row])}
                >
                  <fileIcon.react tag="span" className="jp-ucdh-S3-icon" />
                  <span className="jp-ucdh-S3-name">{match.name}</span>
                </button>
                <span className={C.size}>{formatSize(match.size)}</span>
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
        {search.pages > 0 && !search.complete && !search.error && (
          <button
            type="button"
            className={`${C.searchFurther} jp-Button jp-mod-styled`}
            disabled={search.loading}
            onClick={onMore}
          >
            {search.loading
              ? trans.__('Searching…')
              : trans.__('Search further')}
          </button>
        )}
      </div>
    </>
  );
}

function searchStatus(search: ISearchState, trans: TranslationBundle): string {
  if (search.pages === 0) {
    return search.loading || !search.error ? trans.__('Searching…') : '';
  }
  const found = trans._n(
    '%1 match in %2 keys',
    '%1 matches in %2 keys',
    search.matches.length,
    search.scanned
  );
  return search.complete
    ? found
    : trans.__('%1 scanned so far; more keys to search', found);
}
