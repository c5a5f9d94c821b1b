/**
 * Pure logic of parameter sweeps (issue 14): how the sweep editor's grid and
 * table read as parameter sets, what a submit sends and what stops it. No
 * React and no network.
 *
 * Values are read as the single-run parameter fields read them
 * ({@link parseParameter}), trimmed: in a list or a table a space after a
 * comma is layout, not part of the value.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IConfig } from '../status/api';
import { parseCsv } from '../common/csv';
import type { ISweepBody } from './api';
import { parameterText, parseParameter } from './model';

/** How the parameter sets are given: every combination of lists, or rows. */
export type SweepMode = 'grid' | 'table';

/** What the sweep editor holds, as typed. */
export interface ISweepState {
  /** "Run for several parameter sets" is switched on. */
  on: boolean;
  mode: SweepMode;
  /** Grid: the comma-separated values typed per parameter (empty: not varied). */
  grid: Record<string, string>;
  /** Table: the parameters it sets, one column each. */
  columns: string[];
  /** Table: the cells as typed, one array per row (empty: the value above). */
  cells: string[][];
  /** "At most N at once", as typed. */
  parallelText: string;
}

/** The administrator's sweep limits (`GET config`); null when the server does not say. */
export interface ISweepLimits {
  maxSize: number | null;
  maxParallel: number | null;
}

/** The sweep limits of `GET config`; null where the server does not say them. */
export function sweepLimitsOf(config: IConfig | null): ISweepLimits {
  return {
    maxSize: config?.runs?.sweep_max_size ?? null,
    maxParallel: config?.runs?.sweep_max_parallel ?? null
  };
}

/**
 * The editor when the dialog opens: off with an empty grid and two empty
 * rows, or (run again of a sweep) on, with its rows in the table.
 */
export function initialSweep(
  defaults: Record<string, unknown>,
  limits: ISweepLimits,
  rerun?: {
    sweep_rows?: Record<string, unknown>[];
    parallelism?: number | null;
  }
): ISweepState {
  const names = Object.keys(defaults);
  const rows = rerun?.sweep_rows ?? [];
  const parallel = rerun?.parallelism ?? limits.maxParallel;
  const state: ISweepState = {
    on: false,
    mode: 'grid',
    grid: names.reduce<Record<string, string>>(
      (grid, name) => ({ ...grid, [name]: '' }),
      {}
    ),
    columns: names,
    cells: [names.map(() => ''), names.map(() => '')],
    parallelText: parallel === null ? '' : String(parallel)
  };
  if (rows.length === 0) {
    return state;
  }
  const columns = keysOf(rows).filter(name => name in defaults);
  const cells = rows.map(row =>
    columns.map(name => (name in row ? parameterText(row[name]) : ''))
  );
  return { ...state, on: true, mode: 'table', columns, cells };
}

/** The keys of `objects`, each once, in the order they first appear. */
export function keysOf(objects: readonly Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  objects.forEach(object => Object.keys(object).forEach(key => keys.add(key)));
  return Array.from(keys);
}

const OPENING: Record<string, string> = { '[': ']', '{': '}', '(': ')' };

/**
 * The items of a comma-separated list, trimmed, empty ones dropped; commas
 * inside brackets or quotes do not split: `1, [2, 3], "a,b"` is three items.
 */
export function splitValues(text: string): string[] {
  const items: string[] = [];
  const closing: string[] = [];
  let quote: string | null = null;
  let item = '';
  for (const char of text) {
    if (quote) {
      quote = char === quote ? null : quote;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char in OPENING) {
      closing.push(OPENING[char]);
    } else if (char === closing[closing.length - 1]) {
      closing.pop();
    } else if (char === ',' && closing.length === 0) {
      items.push(item);
      item = '';
      continue;
    }
    item += char;
  }
  items.push(item);
  return items.map(value => value.trim()).filter(value => value !== '');
}

/**
 * One value of a list or a table cell for a parameter: as the single-run field
 * reads it; a quoted item of a text parameter is the text inside the quotes
 * (how to put a comma in a value).
 */
export function sweepValue(text: string, defaultValue: unknown): unknown {
  const trimmed = text.trim();
  if (typeof defaultValue === 'string' && /^(["']).*\1$/s.test(trimmed)) {
    if (trimmed.startsWith('"')) {
      try {
        return JSON.parse(trimmed);
      } catch {
        // not JSON: the text inside the quotes, as for single quotes
      }
    }
    return trimmed.slice(1, -1);
  }
  return parseParameter(trimmed, defaultValue);
}

/** The grid as typed: the parameters varied, their values and the product. */
export interface IGridRead {
  /** Parameters with values typed, in the notebook's order, with how many. */
  factors: { name: string; count: number }[];
  /** Every combination is a run: the product of the counts (0 without any). */
  total: number;
  /** What `sweep.grid` sends. */
  grid: Record<string, unknown[]>;
}

/** Read the grid's lines; an empty line does not vary its parameter. */
export function readGrid(
  texts: Record<string, string>,
  defaults: Record<string, unknown>
): IGridRead {
  const grid: Record<string, unknown[]> = {};
  const factors: IGridRead['factors'] = [];
  for (const name of Object.keys(defaults)) {
    const values = splitValues(texts[name] ?? '');
    if (values.length > 0) {
      grid[name] = values.map(value => sweepValue(value, defaults[name]));
      factors.push({ name, count: values.length });
    }
  }
  const total =
    factors.length === 0 ? 0 : factors.reduce((n, f) => n * f.count, 1);
  return { factors, total, grid };
}

/** "3 × 2 = 6 runs", "3 runs", or empty before any value is typed. */
export function productText(read: IGridRead, trans: TranslationBundle): string {
  if (read.factors.length === 0) {
    return '';
  }
  const runs = trans._n('%1 run', '%1 runs', read.total);
  return read.factors.length === 1
    ? runs
    : `${read.factors.map(f => f.count).join(' × ')} = ${runs}`;
}

/** A pasted CSV as the table's columns and cells, or what is wrong with it. */
export type CsvTable =
  | { ok: true; columns: string[]; cells: string[][] }
  | { ok: false; message: string };

/**
 * Read a pasted CSV whose first line names parameters of the notebook; a name
 * the notebook does not have is an error naming it (a typo would otherwise
 * run every child with the notebook's default).
 */
export function tableFromCsv(
  text: string,
  defaults: Record<string, unknown>,
  trans: TranslationBundle
): CsvTable {
  const [header, ...rows] = parseCsv(text);
  if (!header) {
    return {
      ok: false,
      message: trans.__(
        'Paste a first line naming parameters, then one line per run.'
      )
    };
  }
  const columns = header.map(name => name.trim());
  const unknown = columns.filter(name => !(name in defaults));
  if (unknown.length > 0) {
    return {
      ok: false,
      message: trans._n(
        'The notebook has no parameter %2 (its parameters: %3).',
        'The notebook has no parameters %2 (its parameters: %3).',
        unknown.length,
        unknown.map(name => (name ? `"${name}"` : '""')).join(', '),
        Object.keys(defaults).join(', ')
      )
    };
  }
  const twice = columns.find((name, i) => columns.indexOf(name) !== i);
  if (twice !== undefined) {
    return {
      ok: false,
      message: trans.__('The first line names %1 twice.', twice)
    };
  }
  if (rows.length === 0) {
    return {
      ok: false,
      message: trans.__('Only a first line: add one line per run below it.')
    };
  }
  const wide = rows.findIndex(cells => cells.length > columns.length);
  if (wide >= 0) {
    return {
      ok: false,
      message: trans.__(
        'Line %1 has %2 values for %3 parameters: put quotes around values with commas.',
        wide + 2,
        rows[wide].length,
        columns.length
      )
    };
  }
  const cells = rows.map(cells => columns.map((_, i) => cells[i] ?? ''));
  return { ok: true, columns, cells };
}

/**
 * The table's parameter sets: one per row with a value; an empty cell keeps
 * the value above (the single-run field's), so it is not sent.
 */
export function readTable(
  columns: readonly string[],
  cells: readonly string[][],
  defaults: Record<string, unknown>
): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const row of cells) {
    const values: Record<string, unknown> = {};
    columns.forEach((name, i) => {
      const text = (row[i] ?? '').trim();
      if (text !== '' && name in defaults) {
        values[name] = sweepValue(text, defaults[name]);
      }
    });
    if (Object.keys(values).length > 0) {
      rows.push(values);
    }
  }
  return rows;
}

/** "At most N at once" as typed: a whole number from 1 to the admin's most. */
export function parseParallel(
  text: string,
  max: number | null
): { ok: true; value: number | null } | { ok: false } {
  const trimmed = text.trim();
  if (trimmed === '') {
    return { ok: true, value: null }; // the server's default
  }
  const value = Number(trimmed);
  const fits = Number.isInteger(value) && value >= 1;
  return fits && (max === null || value <= max)
    ? { ok: true, value }
    : { ok: false };
}

/** What the sweep editor means for the dialog. */
export interface ISweepPlan {
  on: boolean;
  /** How many runs (children): what the cost block is priced for. */
  children: number;
  /** What `POST runs` sends as `sweep`; null when off. */
  body: ISweepBody | null;
  /** Why the sweep cannot be submitted as it stands; empty when it can. */
  problems: string[];
}

/** Read the editor: the runs it asks for, the body and what stops it. */
export function sweepPlan(
  state: ISweepState,
  defaults: Record<string, unknown>,
  limits: ISweepLimits,
  trans: TranslationBundle
): ISweepPlan {
  if (!state.on) {
    return { on: false, children: 1, body: null, problems: [] };
  }
  const problems: string[] = [];
  let body: ISweepBody;
  let children: number;
  if (state.mode === 'grid') {
    const read = readGrid(state.grid, defaults);
    body = { grid: read.grid };
    children = read.total;
    if (read.factors.length === 0) {
      problems.push(
        trans.__(
          'Type the values to try for at least one parameter, separated by commas.'
        )
      );
    }
  } else {
    const rows = readTable(state.columns, state.cells, defaults);
    body = { rows };
    children = rows.length;
  }
  if (children < 2 && problems.length === 0) {
    problems.push(
      trans.__(
        'A sweep needs at least 2 parameter sets; for one, switch "Run for several parameter sets" off.'
      )
    );
  }
  if (limits.maxSize !== null && children > limits.maxSize) {
    problems.push(
      trans.__(
        'This sweep has %1 parameter sets; at most %2 are allowed here. Split it into smaller sweeps.',
        children.toLocaleString('en-US'),
        limits.maxSize.toLocaleString('en-US')
      )
    );
  }
  const parallel = parseParallel(state.parallelText, limits.maxParallel);
  if (!parallel.ok) {
    problems.push(
      limits.maxParallel === null
        ? trans.__('Runs at once: a whole number from 1.')
        : trans.__(
            'Runs at once: a whole number from 1 to %1.',
            limits.maxParallel
          )
    );
  } else if (parallel.value !== null) {
    body.parallelism = parallel.value;
  }
  return { on: true, children: Math.max(1, children), body, problems };
}
