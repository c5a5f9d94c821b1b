/**
 * Which columns of the catalog table fit the width it has, and what the
 * columns left out say instead (a summary cell, a details line).
 *
 * The sidebar is narrow by default (about 250–350 px): the type, a
 * vCPU · memory · GPU summary and $/h must fit there with no sideways
 * scrolling. Wider boxes (a widened sidebar, the run dialog) show more.
 * Pure logic, so the layouts are tested without a browser.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IInstanceType } from './api';
import { formatNumber } from '../common/format';
import { formatGpu, formatRate, SortKey } from './model';

/** A column of the table: a sortable field, or the summary of three. */
export type ColumnKey = SortKey | 'summary';

/** The sort keys behind the summary column, one header button each. */
export const SUMMARY_KEYS: readonly SortKey[] = ['vcpu', 'memory', 'gpu'];

/** Type, summary and $/h: what fits JupyterLab's default sidebar. */
export const NARROW_COLUMNS: readonly ColumnKey[] = [
  'name',
  'summary',
  'price'
];

/** The narrow columns and the unit prices. */
export const MEDIUM_COLUMNS: readonly ColumnKey[] = [
  'name',
  'summary',
  'price',
  'price_per_vcpu',
  'price_per_gib'
];

/** Every field in its own column. */
export const WIDE_COLUMNS: readonly ColumnKey[] = [
  'name',
  'vcpu',
  'memory',
  'gpu',
  'price',
  'price_per_vcpu',
  'price_per_gib'
];

/**
 * Widths of the table's box, in CSS pixels, from which the medium and the
 * wide layouts fit their longest cells (e.g. "u-24tb1.112xlarge",
 * "8 × A100 (40 GiB)", "$109.2" in the code and UI fonts) without scrolling.
 */
export const MEDIUM_FROM_PX = 420;
export const WIDE_FROM_PX = 640;

/**
 * The columns that fit a table box `width` pixels wide; the narrow set while
 * the width is not known yet, since it fits everywhere.
 */
export function columnsForWidth(width: number | null): readonly ColumnKey[] {
  if (width === null || width < MEDIUM_FROM_PX) {
    return NARROW_COLUMNS;
  }
  return width < WIDE_FROM_PX ? MEDIUM_COLUMNS : WIDE_COLUMNS;
}

/** The parts of the summary cell: "4 vCPU", "16 GiB" and "1 × T4" with a GPU. */
export function summaryParts(
  type: IInstanceType,
  trans: TranslationBundle
): string[] {
  const parts = [
    trans.__('%1 vCPU', type.vcpu),
    trans.__('%1 GiB', formatNumber(type.memory_gib))
  ];
  if (type.gpu_count > 0) {
    parts.push(gpuShort(type));
  }
  return parts;
}

/** "1 × T4": GPU count and model without the maker or the memory. */
function gpuShort(type: IInstanceType): string {
  let model = type.gpu_model ?? 'GPU';
  if (model.includes(' ')) {
    model = model.slice(model.indexOf(' ') + 1);
  }
  return `${type.gpu_count} × ${model}`;
}

/**
 * What the columns not shown would say about `type`, one short phrase each:
 * the full GPU (the summary keeps only count and model) and the unit prices.
 * Empty when every column is shown.
 */
export function hiddenDetails(
  type: IInstanceType,
  shown: readonly ColumnKey[],
  trans: TranslationBundle
): string[] {
  const details: string[] = [];
  if (shown.includes('summary') && type.gpu_count > 0) {
    details.push(formatGpu(type));
  }
  if (!shown.includes('price_per_vcpu')) {
    details.push(
      trans.__('%1 per vCPU-hour', formatRate(type.price_per_vcpu_hour))
    );
  }
  if (!shown.includes('price_per_gib')) {
    details.push(
      trans.__('%1 per GiB-hour', formatRate(type.price_per_gib_hour))
    );
  }
  return details;
}
