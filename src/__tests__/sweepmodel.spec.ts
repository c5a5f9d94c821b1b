/**
 * The sweep's pure logic: how typed lists, tables and pasted CSV read as
 * parameter sets, what stops a sweep, and how a sweep's children read.
 */
import { nullTranslator } from '@jupyterlab/translation';

import type { IRunChild } from '../runs/api';
import { childCost, childSeconds } from '../runs/model';
import { parseCsv } from '../common/csv';
import {
  initialSweep,
  ISweepState,
  productText,
  readGrid,
  readTable,
  splitValues,
  sweepPlan,
  tableFromCsv
} from '../runs/sweepmodel';
import {
  sweepChildren,
  sweepColumns,
  sweepFraction,
  sweepSummary,
  waitingChild
} from '../runs/sweepchildren';
import { makeRun } from './runsfixtures';

const trans = nullTranslator.load('ucdh_jupyter');
const ID = '01J3ZK5V6Q8X9Y0A1B2C3D4E5F';
/** The test notebook's parameters: a number, a text and one set to None. */
const DEFAULTS = { rows: 5, cohort: 'A', start: null };
const LIMITS = { maxSize: 1000, maxParallel: 10 };

function child(fields: Partial<IRunChild> & { index: number }): IRunChild {
  return { ...waitingChild(fields.index), state: 'SUCCEEDED', ...fields };
}

function on(change: Partial<ISweepState>): ISweepState {
  return { ...initialSweep(DEFAULTS, LIMITS), on: true, ...change };
}

describe('the grid', () => {
  it('splits values at commas but not inside brackets or quotes', () => {
    expect(splitValues(' 1, [2, 3], "a,b", ,4 ')).toEqual([
      '1',
      '[2, 3]',
      '"a,b"',
      '4'
    ]);
  });

  it('reads each line as the single-run field does and multiplies the counts', () => {
    const read = readGrid(
      { rows: '10, 100, 1e3', cohort: 'A, "B, C"', start: '' },
      DEFAULTS
    );
    // numbers stay numbers, a text parameter's values stay texts (quotes drop)
    expect(read.grid).toEqual({ rows: [10, 100, 1000], cohort: ['A', 'B, C'] });
    expect(read.total).toBe(6);
    expect(productText(read, trans)).toBe('3 × 2 = 6 runs');
    // a single varied parameter has no product to show
    expect(productText(readGrid({ rows: '1, 2, 3' }, DEFAULTS), trans)).toBe(
      '3 runs'
    );
    expect(productText(readGrid({}, DEFAULTS), trans)).toBe('');
  });

  it('reads Python literals and JSON like the single-run field', () => {
    const read = readGrid(
      { start: 'None, True, [1, 2], 2026-01-01' },
      DEFAULTS
    );
    expect(read.grid.start).toEqual([null, true, [1, 2], '2026-01-01']);
  });
});

describe('the table', () => {
  it('reads quoted CSV cells, doubled quotes, CRLF and blank lines', () => {
    expect(parseCsv('rows,cohort\r\n10,"A, ""x"""\r\n\r\n20,B\n')).toEqual([
      ['rows', 'cohort'],
      ['10', 'A, "x"'],
      ['20', 'B']
    ]);
    // copied from a spreadsheet: tab-separated
    expect(parseCsv('rows\tcohort\n1\tA')).toEqual([
      ['rows', 'cohort'],
      ['1', 'A']
    ]);
  });

  it('refuses a pasted CSV naming a parameter the notebook lacks, naming it', () => {
    const read = tableFromCsv('rows,cohrt,seed\n1,A,2', DEFAULTS, trans);
    expect(read).toEqual({
      ok: false,
      message:
        'The notebook has no parameters "cohrt", "seed" (its parameters: rows, cohort, start).'
    });
  });

  it('refuses a line with more values than parameters, saying which', () => {
    const read = tableFromCsv('rows,cohort\n1,A\n2,B,C', DEFAULTS, trans);
    expect(read.ok).toBe(false);
    expect(!read.ok && read.message).toContain('Line 3 has 3 values for 2');
  });

  it('makes one parameter set per row; an empty cell keeps the value above', () => {
    const read = tableFromCsv('cohort,rows\nA,10\n B ,\n,\n', DEFAULTS, trans);
    expect(read.ok).toBe(true);
    if (read.ok) {
      expect(readTable(read.columns, read.cells, DEFAULTS)).toEqual([
        { cohort: 'A', rows: 10 },
        { cohort: 'B' }
      ]);
    }
  });
});

describe('what a sweep sends and what stops it', () => {
  it('sends the grid and the runs at once', () => {
    const plan = sweepPlan(
      on({ grid: { rows: '1, 2', cohort: 'A, B, C' }, parallelText: '3' }),
      DEFAULTS,
      LIMITS,
      trans
    );
    expect(plan).toEqual({
      on: true,
      children: 6,
      body: { grid: { rows: [1, 2], cohort: ['A', 'B', 'C'] }, parallelism: 3 },
      problems: []
    });
  });

  it('sends the rows of the table', () => {
    const plan = sweepPlan(
      on({ mode: 'table', columns: ['rows'], cells: [['1'], ['2'], ['']] }),
      DEFAULTS,
      LIMITS,
      trans
    );
    expect(plan.body).toEqual({
      rows: [{ rows: 1 }, { rows: 2 }],
      parallelism: 10
    });
    expect(plan.children).toBe(2);
  });

  it('refuses no values, a single set, too many sets and runs at once out of range', () => {
    const problems = (state: Partial<ISweepState>): string[] =>
      sweepPlan(on(state), DEFAULTS, LIMITS, trans).problems;
    expect(problems({})).toEqual([
      'Type the values to try for at least one parameter, separated by commas.'
    ]);
    expect(problems({ grid: { rows: '1' } })[0]).toMatch(
      /^A sweep needs at least 2 parameter sets/
    );
    // 40 × 30 = 1,200 sets over the admin's 1,000: refused before submitting
    const many = (n: number): string =>
      Array.from({ length: n }, (_, i) => i).join(',');
    expect(problems({ grid: { rows: many(40), cohort: many(30) } })).toEqual([
      'This sweep has 1,200 parameter sets; at most 1,000 are allowed here. Split it into smaller sweeps.'
    ]);
    expect(problems({ grid: { rows: '1,2' }, parallelText: '11' })).toEqual([
      'Runs at once: a whole number from 1 to 10.'
    ]);
    // off, nothing is asked
    expect(
      sweepPlan(initialSweep(DEFAULTS, LIMITS), DEFAULTS, LIMITS, trans)
    ).toEqual({ on: false, children: 1, body: null, problems: [] });
  });

  it('reopens a sweep run again with its rows in the table', () => {
    const state = initialSweep(DEFAULTS, LIMITS, {
      sweep_rows: [{ rows: 1 }, { rows: 2, cohort: 'B' }],
      parallelism: 2
    });
    expect(state).toMatchObject({
      on: true,
      mode: 'table',
      columns: ['rows', 'cohort'],
      cells: [
        ['1', ''],
        ['2', 'B']
      ],
      parallelText: '2'
    });
  });
});

describe("a sweep's children", () => {
  const sweep = makeRun({
    id: ID,
    kind: 'sweep',
    backend: 'batch',
    sweep_rows: [{ rows: 1 }, { rows: 2 }, { rows: 3 }, { rows: 4, seed: 7 }],
    child_counts: {
      pending: 0,
      running: 1,
      succeeded: 2,
      failed: 1,
      cancelled: 0
    },
    children: [
      child({ index: 0, scraps: { auc: 0.91 } }),
      child({ index: 2, state: 'FAILED', scraps: { auc: 0.5, n: 10 } })
    ]
  });

  it('says how many run, are done and failed, and how far the sweep got', () => {
    expect(sweepSummary(sweep, trans)).toBe(
      'Sweep of 4 · 1 running · 2 done · 1 failed'
    );
    expect(sweepFraction(sweep)).toBe(0.75);
  });

  it('lists every child, those not reported yet as waiting', () => {
    expect(sweepChildren(sweep).map(c => [c.index, c.state])).toEqual([
      [0, 'SUCCEEDED'],
      [1, 'PENDING'],
      [2, 'FAILED'],
      [3, 'PENDING']
    ]);
    expect(sweepColumns(sweep)).toEqual({
      parameters: ['rows', 'seed'],
      scraps: ['auc', 'n']
    });
  });

  it("bills each child's machines for its seconds, at least 60", () => {
    const run = makeRun({ id: ID, rate_usd_per_hour: 0.36, count: 2 });
    const ran = (seconds: number): IRunChild =>
      child({
        index: 0,
        started_at: '2026-07-20T10:00:00Z',
        ended_at: new Date(
          Date.parse('2026-07-20T10:00:00Z') + seconds * 1000
        ).toISOString()
      });
    // 2 machines × $0.36/h × 1 h
    expect(childCost(run, ran(3600), 0)).toBeCloseTo(0.72, 6);
    // 10 s is billed as 60 s
    expect(childSeconds(ran(10), 0)).toBe(10);
    expect(childCost(run, ran(10), 0)).toBeCloseTo(0.012, 6);
    // a running child to now; a waiting one is not billed; no price, no cost
    const running = child({
      index: 1,
      state: 'RUNNING',
      started_at: '2026-07-20T10:00:00Z'
    });
    const now = Date.parse('2026-07-20T10:30:00Z');
    expect(childCost(run, running, now)).toBeCloseTo(0.36, 6);
    expect(childCost(run, child({ index: 2, state: 'PENDING' }), now)).toBe(
      null
    );
    expect(
      childCost({ ...run, rate_usd_per_hour: null }, ran(3600), now)
    ).toBeNull();
  });
});
