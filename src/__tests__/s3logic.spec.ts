/**
 * The pure logic behind multi-select, the windowed list and Upload to S3:
 * which rows a click selects, which rows are in the DOM for a scroll position,
 * and which transfer requests an upload sends.
 */
import type { IS3Location } from '../s3/api';
import { S3Row } from '../s3/model';
import { deleteTargets } from '../s3/remove';
import {
  extendTo,
  menuTargets,
  NO_SELECTION,
  pick,
  selectAll,
  selectedRows,
  selectOnly,
  toggleKey
} from '../s3/selection';
import { normalizePrefix, uploadBodies, uploadTarget } from '../s3/destination';
import {
  FALLBACK_VIEWPORT,
  nearEnd,
  OVERSCAN,
  renderedIndices,
  revealScrollTop,
  ROW_HEIGHT,
  rowsPerPage,
  visibleWindow
} from '../s3/virtual';

function objectRow(key: string, size = 10): S3Row {
  return {
    kind: 'object',
    key,
    name: key,
    object: {
      key,
      name: key,
      size,
      last_modified: null,
      storage_class: 'STANDARD',
      etag: 'e'
    }
  };
}

const ROWS: S3Row[] = [
  {
    kind: 'folder',
    key: 'runs/',
    name: 'runs',
    folder: { prefix: 'runs/', name: 'runs' }
  },
  ...['a.csv', 'b.csv', 'c.csv', 'd.csv', 'e.csv'].map(key => objectRow(key))
];
const keys = (selection: { keys: ReadonlySet<string> }): string[] =>
  Array.from(selection.keys).sort();

describe('selection', () => {
  it('selects one row on a plain click, replacing what was selected', () => {
    const before = selectAll(NO_SELECTION, ROWS);

    const after = pick(before, ROWS, 'b.csv', { shift: false, toggle: false });

    expect(keys(after)).toEqual(['b.csv']);
    expect(after.anchor).toBe('b.csv');
  });

  it('toggles one row with Ctrl/Cmd and keeps the others', () => {
    let selection = selectOnly('a.csv');
    selection = pick(selection, ROWS, 'c.csv', { shift: false, toggle: true });
    expect(keys(selection)).toEqual(['a.csv', 'c.csv']);

    selection = pick(selection, ROWS, 'a.csv', { shift: false, toggle: true });
    expect(keys(selection)).toEqual(['c.csv']);
  });

  it('extends a range from the anchor with Shift, in either direction', () => {
    const anchored = selectOnly('b.csv');

    expect(
      keys(pick(anchored, ROWS, 'd.csv', { shift: true, toggle: false }))
    ).toEqual(['b.csv', 'c.csv', 'd.csv']);
    const up = pick(anchored, ROWS, 'runs/', { shift: true, toggle: false });
    expect(keys(up)).toEqual(['a.csv', 'b.csv', 'runs/']);
    expect(up.anchor).toBe('b.csv');
  });

  it('adds a range to the selection with Ctrl+Shift', () => {
    const selection = toggleKey(selectOnly('runs/'), 'd.csv');

    const after = extendTo(selection, ROWS, 'e.csv', true);

    expect(keys(after)).toEqual(['d.csv', 'e.csv', 'runs/']);
  });

  it('starts a Shift range at the clicked row when nothing was picked', () => {
    expect(
      keys(pick(NO_SELECTION, ROWS, 'c.csv', { shift: true, toggle: false }))
    ).toEqual(['c.csv']);
  });

  it('acts only on selected rows that are shown', () => {
    const selection = selectAll(NO_SELECTION, ROWS);
    const shown = ROWS.filter(row => row.key !== 'c.csv');

    expect(selectedRows(shown, selection).map(row => row.key)).toEqual([
      'runs/',
      'a.csv',
      'b.csv',
      'd.csv',
      'e.csv'
    ]);
  });

  it('opens the menu on the whole selection only for a selected row', () => {
    const selection = toggleKey(selectOnly('a.csv'), 'b.csv');

    expect(menuTargets(ROWS[2], ROWS, selection).map(r => r.key)).toEqual([
      'a.csv',
      'b.csv'
    ]);
    expect(menuTargets(ROWS[4], ROWS, selection).map(r => r.key)).toEqual([
      'd.csv'
    ]);
  });
});

describe('windowing', () => {
  it('renders the rows in view plus the overscan, whatever the total', () => {
    const window = visibleWindow(5200, 2400, 480);

    expect(window).toEqual({
      start: 100 - OVERSCAN,
      end: 100 + 480 / ROW_HEIGHT + OVERSCAN
    });
    expect(window.end - window.start).toBeLessThan(200);
  });

  it('clamps at both ends, and treats a position past the end as the end', () => {
    expect(visibleWindow(5200, 0, 480)).toEqual({ start: 0, end: 30 });
    expect(visibleWindow(30, 0, 480)).toEqual({ start: 0, end: 30 });
    // The list got shorter (a filter) while scrolled far down.
    expect(visibleWindow(50, 100_000, 480)).toEqual({ start: 20, end: 50 });
    expect(visibleWindow(0, 0, 480)).toEqual({ start: 0, end: 0 });
  });

  it('assumes a viewport before the list is laid out', () => {
    expect(visibleWindow(5200, 0, 0).end).toBe(
      FALLBACK_VIEWPORT / ROW_HEIGHT + OVERSCAN
    );
  });

  it('scrolls as little as needed to show a row', () => {
    // Rows 10..29 are visible in 480px from 240px.
    expect(revealScrollTop(15, 240, 480)).toBe(240);
    expect(revealScrollTop(5, 240, 480)).toBe(5 * ROW_HEIGHT);
    expect(revealScrollTop(40, 240, 480)).toBe(41 * ROW_HEIGHT - 480);
  });

  it('pages by one screen less a row', () => {
    expect(rowsPerPage(480)).toBe(19);
    expect(rowsPerPage(10)).toBe(1);
  });

  it('asks for the next page near the end, never for an unmeasured list', () => {
    expect(nearEnd({ start: 940, end: 1000 }, 1000, 480)).toBe(true);
    expect(nearEnd({ start: 0, end: 30 }, 1000, 480)).toBe(false);
    expect(nearEnd({ start: 0, end: 5 }, 5, 0)).toBe(false);
  });

  it('keeps the focused row rendered when it is scrolled away, in order', () => {
    expect(renderedIndices({ start: 10, end: 13 }, 2)).toEqual([2, 10, 11, 12]);
    expect(renderedIndices({ start: 10, end: 13 }, 11)).toEqual([10, 11, 12]);
    expect(renderedIndices({ start: 10, end: 13 }, 50)).toEqual([
      10, 11, 12, 50
    ]);
    expect(renderedIndices({ start: 0, end: 2 }, -1)).toEqual([0, 1]);
  });
});

describe('delete targets', () => {
  it('deletes selected objects in one request and each folder in its own', () => {
    const rows = [ROWS[1], ROWS[0], ROWS[3]];

    expect(deleteTargets(rows)).toEqual([
      { keys: ['a.csv', 'c.csv'] },
      { prefix: 'runs/' }
    ]);
  });
});

describe('Upload to S3 requests', () => {
  const LAB: IS3Location = {
    name: 'lab',
    bucket: 'lab',
    prefix: '',
    created: null
  };
  const items = [
    { path: 'results/summary.csv', name: 'summary.csv', isDirectory: false },
    { path: 'results/cohort', name: 'cohort', isDirectory: true }
  ];

  it('puts a file into the folder and a folder below it under its own name', () => {
    const place = { location: LAB, prefix: 'incoming/' };

    expect(uploadBodies(items, place)).toEqual([
      { bucket: 'lab', path: 'results/summary.csv', prefix: 'incoming/' },
      { bucket: 'lab', path: 'results/cohort', prefix: 'incoming/cohort/' }
    ]);
    expect(items.map(item => uploadTarget(item, place))).toEqual([
      's3://lab/incoming/summary.csv',
      's3://lab/incoming/cohort/'
    ]);
  });

  it('uploads to the top of the bucket with an empty prefix', () => {
    expect(
      uploadBodies(items.slice(0, 1), { location: LAB, prefix: '' })
    ).toEqual([{ bucket: 'lab', path: 'results/summary.csv', prefix: '' }]);
  });

  it('turns what is typed into a folder prefix', () => {
    expect(normalizePrefix(' incoming ')).toBe('incoming/');
    expect(normalizePrefix('/a/b//')).toBe('a/b/');
    expect(normalizePrefix('  ')).toBe('');
  });
});
