/**
 * Pure logic of the instance picker: parsing what the user types, sorting the
 * catalog and formatting prices. No React and no network, so it is tested alone.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { formatNumber } from '../common/format';
import type {
  Backend,
  ICatalogQuery,
  IEstimateRequest,
  IInstanceType
} from './api';

/** A runtime the user typed: one value gives `low === high`. */
export interface IHoursRange {
  low: number;
  high: number;
}

/** Why a runtime or estimate form cannot be used; see {@link formErrorMessage}. */
export type FormError =
  'hours_empty' | 'hours_format' | 'hours_zero' | 'ebs' | 'workers';

/** The outcome of {@link parseHours}: a range, or why the text is not one. */
export type HoursParse =
  { ok: true; range: IHoursRange } | { ok: false; error: FormError };

const NUMBER = '(\\d+(?:\\.\\d*)?|\\.\\d+)';
const HOURS_PATTERN = new RegExp(
  `^${NUMBER}\\s*(?:(?:-|–|—|to)\\s*${NUMBER})?\\s*(?:h|hrs?|hours?)?$`,
  'i'
);

/**
 * Read a runtime such as `2.5`, `2-4`, `2 to 4` or `3h` as a range of hours.
 *
 * A reversed range (`4-2`) is read as `2-4`: the intent is unambiguous.
 */
export function parseHours(text: string): HoursParse {
  const trimmed = text.trim();
  if (!trimmed) {
    return { ok: false, error: 'hours_empty' };
  }
  const match = HOURS_PATTERN.exec(trimmed);
  if (!match) {
    return { ok: false, error: 'hours_format' };
  }
  const first = Number(match[1]);
  const second = match[2] === undefined ? first : Number(match[2]);
  const low = Math.min(first, second);
  const high = Math.max(first, second);
  if (low <= 0) {
    return { ok: false, error: 'hours_zero' };
  }
  return { ok: true, range: { low, high } };
}

/** Columns of the table that sort, and the catalog field behind each. */
export type SortKey =
  | 'name'
  | 'vcpu'
  | 'memory'
  | 'gpu'
  | 'price'
  | 'price_per_vcpu'
  | 'price_per_gib';

/** Sort direction, as the server's `order` parameter spells it. */
export type SortOrder = 'asc' | 'desc';

/** The table's current sort. */
export interface ISort {
  key: SortKey;
  order: SortOrder;
}

/** Sort keys of the server's catalog query mapped to the table's. */
const SERVER_SORT: Record<NonNullable<ICatalogQuery['sort']>, SortKey> = {
  name: 'name',
  vcpu: 'vcpu',
  memory: 'memory',
  gpu_memory: 'gpu',
  price: 'price',
  price_per_vcpu: 'price_per_vcpu',
  price_per_gib: 'price_per_gib'
};

/** The table sort a preset's filters ask for, if any. */
export function sortFromQuery(query: ICatalogQuery): ISort | null {
  if (!query.sort || !(query.sort in SERVER_SORT)) {
    return null;
  }
  return { key: SERVER_SORT[query.sort], order: query.order ?? 'asc' };
}

function sortValue(type: IInstanceType, key: SortKey): number | null {
  switch (key) {
    case 'vcpu':
      return type.vcpu;
    case 'memory':
      return type.memory_gib;
    case 'gpu':
      // Memory per GPU decides which models fit; no GPU counts as unknown.
      return type.gpu_count > 0 ? type.gpu_memory_gib : null;
    case 'price':
      return type.price_per_hour;
    case 'price_per_vcpu':
      return type.price_per_vcpu_hour;
    case 'price_per_gib':
      return type.price_per_gib_hour;
    default:
      return null;
  }
}

/**
 * A sorted copy of `types`, which must be in the server's natural order
 * (m5.large, m5.xlarge, m5.2xlarge): "name" keeps or reverses that order, and
 * it breaks ties of the other keys. Missing values (unknown price, no GPU) go
 * last in either direction, as on the server, so "cheapest first" never starts
 * with types whose price nobody knows.
 */
export function sortTypes(
  types: readonly IInstanceType[],
  sort: ISort
): IInstanceType[] {
  if (sort.key === 'name') {
    return sort.order === 'asc' ? [...types] : [...types].reverse();
  }
  const sign = sort.order === 'asc' ? 1 : -1;
  const known: [IInstanceType, number][] = [];
  const missing: IInstanceType[] = [];
  for (const type of types) {
    const value = sortValue(type, sort.key);
    if (value === null) {
      missing.push(type);
    } else {
      known.push([type, value]);
    }
  }
  // Array.prototype.sort is stable, so equal values keep the natural order.
  known.sort((a, b) => (a[1] - b[1]) * sign);
  return [...known.map(([type]) => type), ...missing];
}

/** The sort after a click on a column header: flip the same column, else start ascending. */
export function nextSort(current: ISort, key: SortKey): ISort {
  if (current.key === key) {
    return { key, order: current.order === 'asc' ? 'desc' : 'asc' };
  }
  return { key, order: 'asc' };
}

/** The `aria-sort` value of a column header. */
export function ariaSort(
  current: ISort,
  key: SortKey
): 'ascending' | 'descending' | 'none' {
  if (current.key !== key) {
    return 'none';
  }
  return current.order === 'asc' ? 'ascending' : 'descending';
}

/** Filter fields as the form holds them: text, so a half-typed value stays as typed. */
export interface IFilterForm {
  min_vcpu: string;
  min_memory_gib: string;
  gpu: 'any' | 'yes' | 'no';
  gpu_model: string;
  arch: '' | 'x86_64' | 'arm64';
  family: string;
  max_price: string;
}

/** No filter set. */
export const EMPTY_FILTERS: IFilterForm = {
  min_vcpu: '',
  min_memory_gib: '',
  gpu: 'any',
  gpu_model: '',
  arch: '',
  family: '',
  max_price: ''
};

function positiveNumber(text: string): number | undefined {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(value) && value >= 0
    ? value
    : undefined;
}

/** The catalog query of a filter form; blank or invalid fields are left out. */
export function filtersToQuery(form: IFilterForm): ICatalogQuery {
  const query: ICatalogQuery = {};
  const minVcpu = positiveNumber(form.min_vcpu);
  const minMemory = positiveNumber(form.min_memory_gib);
  const maxPrice = positiveNumber(form.max_price);
  if (minVcpu !== undefined) {
    query.min_vcpu = minVcpu;
  }
  if (minMemory !== undefined) {
    query.min_memory_gib = minMemory;
  }
  if (maxPrice !== undefined) {
    query.max_price = maxPrice;
  }
  if (form.gpu !== 'any') {
    query.gpu = form.gpu;
  }
  if (form.gpu_model.trim()) {
    query.gpu_model = form.gpu_model.trim();
  }
  if (form.arch) {
    query.arch = form.arch;
  }
  if (form.family.trim()) {
    query.family = form.family.trim();
  }
  return query;
}

/** The filter form of a preset's query (sort and backend are not filters). */
export function queryToFilters(query: ICatalogQuery): IFilterForm {
  const text = (value: number | undefined): string =>
    value === undefined ? '' : String(value);
  return {
    min_vcpu: text(query.min_vcpu),
    min_memory_gib: text(query.min_memory_gib),
    gpu: query.gpu ?? 'any',
    gpu_model: query.gpu_model ?? '',
    arch: query.arch ?? '',
    family: query.family ?? '',
    max_price: text(query.max_price)
  };
}

/** Estimate inputs as the form holds them. */
export interface IEstimateForm {
  hours: string;
  backend: Backend;
  /** Databricks workers; the server adds the driver. */
  workers: string;
  ebs_gb: string;
}

/**
 * Defaults of the estimate form: one EC2 machine for 1–2 hours with the disk
 * a run machine gets by default (`UcdhConfig.runs_volume_gb`, 30 GB), so the
 * estimate and the run dialog count the same disk.
 */
export const DEFAULT_ESTIMATE_FORM: IEstimateForm = {
  hours: '1-2',
  backend: 'ec2',
  workers: '2',
  ebs_gb: '30'
};

/**
 * The estimate request of a form, or what to fix.
 *
 * On Databricks `count` is the number of workers; the server adds the driver.
 */
export function estimateRequest(
  instanceType: string,
  form: IEstimateForm
): { ok: true; body: IEstimateRequest } | { ok: false; error: FormError } {
  const hours = parseHours(form.hours);
  if (!hours.ok) {
    return hours;
  }
  const ebs = Number(form.ebs_gb.trim() || '0');
  if (!Number.isInteger(ebs) || ebs < 0) {
    return { ok: false, error: 'ebs' };
  }
  let count = 1;
  if (form.backend === 'databricks') {
    const text = form.workers.trim();
    const workers = Number(text);
    // 0 workers: a single-node cluster, only the driver.
    if (text === '' || !Number.isInteger(workers) || workers < 0) {
      return { ok: false, error: 'workers' };
    }
    count = workers;
  }
  return {
    ok: true,
    body: {
      backend: form.backend,
      instance_type: instanceType,
      count,
      hours_low: hours.range.low,
      hours_high: hours.range.high,
      ebs_gb: ebs
    }
  };
}

/** A price per hour or per unit: enough digits to tell cheap types apart. */
export function formatRate(value: number | null): string {
  if (value === null || !Number.isFinite(value)) {
    return '—';
  }
  const digits = value >= 10 ? 2 : value >= 0.1 ? 3 : 4;
  return `$${value.toLocaleString('en-US', {
    minimumFractionDigits: Math.min(digits, 2),
    maximumFractionDigits: digits
  })}`;
}

/** A total cost in dollars and cents; a tiny non-zero amount reads "<$0.01". */
export function formatCost(value: number): string {
  if (value > 0 && value < 0.005) {
    return '<$0.01';
  }
  return `$${value.toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2
  })}`;
}

/** A low–high cost; a single figure when both ends round to the same cents. */
export function formatCostRange(low: number, high: number): string {
  const a = formatCost(low);
  const b = formatCost(high);
  return a === b ? a : `${a} – ${b}`;
}

/**
 * The GPU cell: "4 × NVIDIA T4 (16 GiB)", memory per GPU; "—" without GPUs.
 *
 * @param short drop the maker ("4 × T4 (16 GiB)") where space is tight
 */
export function formatGpu(type: IInstanceType, short = false): string {
  if (type.gpu_count <= 0) {
    return '—';
  }
  let model = type.gpu_model ?? 'GPU';
  if (short && model.includes(' ')) {
    model = model.slice(model.indexOf(' ') + 1);
  }
  const memory =
    type.gpu_memory_gib === null
      ? ''
      : ` (${formatNumber(type.gpu_memory_gib)} GiB)`;
  return `${type.gpu_count} × ${model}${memory}`;
}

/** The sentence that tells the user how to fix a form field. */
export function formErrorMessage(
  error: FormError,
  trans: TranslationBundle
): string {
  switch (error) {
    case 'hours_empty':
      return trans.__('Enter how many hours the job runs, e.g. 2-4.');
    case 'hours_format':
      return trans.__('Use a number of hours (2.5) or a range (2-4).');
    case 'hours_zero':
      return trans.__('The runtime must be more than 0 hours.');
    case 'ebs':
      return trans.__('Disk size must be a whole number of GB.');
    case 'workers':
      return trans.__('Workers must be a whole number, 1 or more.');
  }
}
