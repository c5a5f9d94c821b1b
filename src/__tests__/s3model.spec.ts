/**
 * The S3 browser's pure logic: breadcrumbs and going up, sizes, snippets that
 * read the object, and paging that appends pages without asking twice.
 */
import { moveDestination } from '../s3/actions';
import type { IS3Listing, IS3Location } from '../s3/api';
import { formatBytes, formatExactBytes } from '../common/format';
import {
  breadcrumb,
  canLoadMore,
  EMPTY_PAGING,
  filterRows,
  pageFailed,
  pageReceived,
  pageRequested,
  parentPrefix,
  rowsOf,
  s3Uri,
  S3Row
} from '../s3/model';
import { pandasSnippet, readSnippet } from '../s3/snippets';

const BUCKET: IS3Location = {
  name: 'ucdh-demo-genomics',
  bucket: 'ucdh-demo-genomics',
  prefix: '',
  created: null
};
const STUDY: IS3Location = {
  name: 'Cardiology study',
  bucket: 'hospital-data',
  prefix: 'studies/cardio/',
  created: null
};

function page(
  names: string[],
  folders: string[],
  next: string | null
): IS3Listing {
  return {
    bucket: 'b',
    prefix: 'p/',
    folders: folders.map(name => ({ prefix: `p/${name}/`, name })),
    objects: names.map(name => ({
      key: `p/${name}`,
      name,
      size: 10,
      last_modified: null,
      storage_class: 'STANDARD',
      etag: 'e'
    })),
    next_cursor: next
  };
}

describe('breadcrumb', () => {
  it('names the bucket, then each folder of the prefix', () => {
    expect(breadcrumb(BUCKET, 'reads/batch-001/')).toEqual([
      { label: 'ucdh-demo-genomics', prefix: '' },
      { label: 'reads', prefix: 'reads/' },
      { label: 'batch-001', prefix: 'reads/batch-001/' }
    ]);
  });

  it('starts a location at its own prefix, under its display name', () => {
    expect(breadcrumb(STUDY, 'studies/cardio/2026 run/')).toEqual([
      { label: 'Cardiology study', prefix: 'studies/cardio/' },
      { label: '2026 run', prefix: 'studies/cardio/2026 run/' }
    ]);
  });

  it('shows keys with dots literally', () => {
    expect(breadcrumb(BUCKET, '../x/').map(crumb => crumb.label)).toEqual([
      'ucdh-demo-genomics',
      '..',
      'x'
    ]);
  });
});

describe('parentPrefix', () => {
  it('goes up one folder, and leaves the location from its top', () => {
    expect(parentPrefix(BUCKET, 'reads/batch-001/')).toBe('reads/');
    expect(parentPrefix(BUCKET, 'reads/')).toBe('');
    expect(parentPrefix(BUCKET, '')).toBeNull();
    expect(parentPrefix(STUDY, 'studies/cardio/a/')).toBe('studies/cardio/');
    expect(parentPrefix(STUDY, 'studies/cardio/')).toBeNull();
  });
});

describe('formatBytes', () => {
  it('uses binary units with one decimal below ten', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(8009)).toBe('7.8 KiB');
    expect(formatBytes(12 * 1024 ** 2)).toBe('12 MiB');
    expect(formatBytes(5 * 1024 ** 4)).toBe('5.0 TiB');
  });

  it('gives the exact count for tooltips', () => {
    expect(formatExactBytes(1)).toBe('1 byte');
    expect(formatExactBytes(8009)).toBe('8,009 bytes');
  });
});

describe('snippets', () => {
  it("reads tabular files with pandas through open_s3 (the extension's AWS settings, no s3fs)", () => {
    expect(s3Uri('b', 'a b/ü.csv')).toBe('s3://b/a b/ü.csv');
    expect(pandasSnippet('b', 'x/table.csv')).toBe(
      'import pandas as pd\nfrom ucdh_jupyter import open_s3\n\n' +
        'df = pd.read_csv(open_s3("s3://b/x/table.csv"))\ndf.head()'
    );
    expect(pandasSnippet('b', 'v.parquet')).toContain(
      'pd.read_parquet(open_s3("s3://b/v.parquet"))'
    );
    // pandas cannot infer compression from an open file: the snippet says it.
    expect(pandasSnippet('b', 'x.tsv.gz')).toContain(
      'pd.read_csv(open_s3("s3://b/x.tsv.gz"), sep="\\t", compression="gzip")'
    );
  });

  it('reads other files as bytes, quotes escaped', () => {
    expect(pandasSnippet('b', 'notes/say "hi"')).toBe(
      'from ucdh_jupyter import open_s3\n\ndata = open_s3("s3://b/notes/say \\"hi\\"").read()'
    );
  });

  it('reads several objects into dicts by file name, one line per object', () => {
    expect(
      readSnippet('b', ['x/a.csv', 'x/b.parquet', 'x/notes.txt', 'x/c.tsv'])
    ).toBe(
      [
        'import pandas as pd',
        'from ucdh_jupyter import open_s3',
        '',
        'frames = {',
        '    "a.csv": pd.read_csv(open_s3("s3://b/x/a.csv")),',
        '    "b.parquet": pd.read_parquet(open_s3("s3://b/x/b.parquet")),',
        '    "c.tsv": pd.read_csv(open_s3("s3://b/x/c.tsv"), sep="\\t"),',
        '}',
        'data = {',
        '    "notes.txt": open_s3("s3://b/x/notes.txt").read(),',
        '}'
      ].join('\n')
    );
  });

  it('imports only what several objects need, and labels by key when names repeat', () => {
    expect(readSnippet('b', ['site-a/visits.csv', 'site-b/visits.csv'])).toBe(
      'import pandas as pd\nfrom ucdh_jupyter import open_s3\n\nframes = {\n' +
        '    "site-a/visits.csv": pd.read_csv(open_s3("s3://b/site-a/visits.csv")),\n' +
        '    "site-b/visits.csv": pd.read_csv(open_s3("s3://b/site-b/visits.csv")),\n}'
    );
    expect(readSnippet('b', ['r1.fastq', 'r2.fastq'])).not.toContain('pandas');
    expect(readSnippet('b', ['one.csv'])).toBe(pandasSnippet('b', 'one.csv'));
  });
});

describe('paging', () => {
  it('appends pages, folders first, until the last one', () => {
    let state = pageRequested(EMPTY_PAGING);
    expect(canLoadMore(state)).toBe(false);
    state = pageReceived(state, page(['a.csv'], ['sub'], 'c1'));
    expect(canLoadMore(state)).toBe(true);
    expect(state.cursor).toBe('c1');
    state = pageReceived(pageRequested(state), page(['b.csv'], [], null));
    expect(state.complete).toBe(true);
    expect(canLoadMore(state)).toBe(false);
    expect(rowsOf(state).map(row => [row.kind, row.key])).toEqual([
      ['folder', 'p/sub/'],
      ['object', 'p/a.csv'],
      ['object', 'p/b.csv']
    ]);
  });

  it('keeps loaded rows when a page fails, and retrying clears the error', () => {
    let state = pageReceived(EMPTY_PAGING, page(['a.csv'], [], 'c1'));
    state = pageFailed(pageRequested(state), {
      status: 503,
      code: 'slow_down',
      message: 'Slow down',
      hint: ''
    });
    expect(rowsOf(state)).toHaveLength(1);
    expect(canLoadMore(state)).toBe(false);
    expect(pageRequested(state).error).toBeNull();
  });

  it('filters loaded rows by name, ignoring case', () => {
    const rows = rowsOf(
      pageReceived(
        EMPTY_PAGING,
        page(['Alpha.csv', 'beta.csv'], ['ALPS'], null)
      )
    );
    expect(filterRows(rows, ' alp').map(row => row.name)).toEqual([
      'ALPS',
      'Alpha.csv'
    ]);
    expect(filterRows(rows, '')).toHaveLength(3);
  });
});

describe('moveDestination', () => {
  const object: S3Row = {
    kind: 'object',
    key: 'a/b.csv',
    name: 'b.csv',
    object: {
      key: 'a/b.csv',
      name: 'b.csv',
      size: 1,
      last_modified: null,
      storage_class: 'STANDARD',
      etag: 'e'
    }
  };
  const folder: S3Row = {
    kind: 'folder',
    key: 'a/',
    name: 'a',
    folder: { prefix: 'a/', name: 'a' }
  };

  it('takes a key in the same bucket, trimmed', () => {
    expect(moveDestination(' a/c.csv ', object, 'lab')).toEqual({
      bucket: 'lab',
      key: 'a/c.csv'
    });
  });

  it('takes an s3:// URI for another bucket', () => {
    expect(moveDestination('s3://other/x/b.csv', object, 'lab')).toEqual({
      bucket: 'other',
      key: 'x/b.csv'
    });
  });

  it('ends a folder destination with one slash', () => {
    expect(moveDestination('z//', folder, 'lab')).toEqual({
      bucket: 'lab',
      key: 'z/'
    });
    expect(moveDestination('z', folder, 'lab')?.key).toBe('z/');
  });

  it('refuses nothing, the root and the same place', () => {
    expect(moveDestination('  ', object, 'lab')).toBeNull();
    expect(moveDestination('/', folder, 'lab')).toBeNull();
    expect(moveDestination('a/b.csv', object, 'lab')).toBeNull();
    expect(moveDestination('a', folder, 'lab')).toBeNull();
  });
});
