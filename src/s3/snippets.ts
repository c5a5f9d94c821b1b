/**
 * Python that reads S3 objects in a notebook: pandas for tabular formats,
 * bytes for the rest. Objects are opened with `ucdh_jupyter.open_s3`, which
 * uses the extension's own AWS settings (endpoint, allowed buckets, profile)
 * and needs no s3fs, so the snippets name no credentials and run as they are.
 */
import { lastSegment, s3Uri } from './model';

/** A Python string literal (JSON's escapes are valid Python). */
function pyString(text: string): string {
  return JSON.stringify(text);
}

/** The pandas reader of a file name's extension, with extra arguments. */
function pandasReader(key: string): string | null {
  const lower = key.toLowerCase().replace(/\.gz$/, '');
  const dot = lower.lastIndexOf('.');
  const extension = dot < 0 ? '' : lower.slice(dot + 1);
  switch (extension) {
    case 'csv':
      return 'read_csv(%s%z)';
    case 'tsv':
    case 'tab':
      return 'read_csv(%s, sep="\\t"%z)';
    case 'parquet':
    case 'pq':
      return 'read_parquet(%s)';
    case 'json':
      return 'read_json(%s%z)';
    case 'jsonl':
    case 'ndjson':
      return 'read_json(%s, lines=True%z)';
    case 'xlsx':
    case 'xls':
      return 'read_excel(%s)';
    case 'feather':
      return 'read_feather(%s)';
    default:
      return null;
  }
}

/** `open_s3("s3://bucket/key")`: the object as a seekable binary file. */
function openCall(bucket: string, key: string): string {
  return `open_s3(${pyString(s3Uri(bucket, key))})`;
}

/** The pandas call that reads a tabular object, or null for other files. */
function pandasRead(bucket: string, key: string): string | null {
  const reader = pandasReader(key);
  // pandas infers compression from a path, never from an open file.
  const gzip = /\.gz$/i.test(key) ? ', compression="gzip"' : '';
  return (
    reader &&
    `pd.${reader.replace('%s', openCall(bucket, key)).replace('%z', gzip)}`
  );
}

/** Python that reads one object: a data frame, or the object's bytes. */
export function pandasSnippet(bucket: string, key: string): string {
  const read = pandasRead(bucket, key);
  if (read) {
    return `import pandas as pd\nfrom ucdh_jupyter import open_s3\n\ndf = ${read}\ndf.head()`;
  }
  return `from ucdh_jupyter import open_s3\n\ndata = ${openCall(bucket, key)}.read()`;
}

/** A Python dict literal, one entry per line. */
function pyDict(name: string, entries: [string, string][]): string {
  const lines = entries.map(
    ([label, value]) => `    ${pyString(label)}: ${value},\n`
  );
  return `${name} = {\n${lines.join('')}}`;
}

/**
 * Python that reads every object of `keys`. One object reads as
 * {@link pandasSnippet}; several fill dicts by file name (by key if two share
 * a name), one line per object: `frames` of data frames, `data` of bytes.
 */
export function readSnippet(bucket: string, keys: readonly string[]): string {
  if (keys.length <= 1) {
    return keys.length === 1 ? pandasSnippet(bucket, keys[0]) : '';
  }
  const names = keys.map(lastSegment);
  const labels = new Set(names).size === names.length ? names : keys;
  const frames: [string, string][] = [];
  const bytes: [string, string][] = [];
  keys.forEach((key, index) => {
    const read = pandasRead(bucket, key);
    if (read) {
      frames.push([labels[index], read]);
    } else {
      bytes.push([labels[index], `${openCall(bucket, key)}.read()`]);
    }
  });
  const imports: string[] = [];
  const code: string[] = [];
  if (frames.length > 0) {
    imports.push('import pandas as pd');
    code.push(pyDict('frames', frames));
  }
  imports.push('from ucdh_jupyter import open_s3');
  if (bytes.length > 0) {
    code.push(pyDict('data', bytes));
  }
  return `${imports.join('\n')}\n\n${code.join('\n')}`;
}
