/**
 * The cells of a catalog row, one column at a time, so a row can show
 * whichever columns fit the table's width.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { CSS } from '../tokens';
import type { IInstanceType } from './api';
import { ColumnKey, summaryParts } from './columns';
import { formatNumber } from '../common/format';
import { formatGpu, formatRate } from './model';

/** The class of a cell in column `key`. */
export function cellClass(key: ColumnKey): string | undefined {
  switch (key) {
    case 'name':
      return CSS.Compute.name;
    case 'summary':
      return CSS.Compute.spec;
    case 'gpu':
      return undefined;
    default:
      return 'jp-mod-numeric';
  }
}

/** The content of one cell of `type`'s row. */
export function cell(
  type: IInstanceType,
  key: ColumnKey,
  trans: TranslationBundle
): React.ReactNode {
  switch (key) {
    case 'name':
      return (
        <>
          {breakableName(type.name)}
          {type.burstable && (
            <span
              className={CSS.Compute.badge}
              title={trans.__(
                'Burstable: full CPU speed only in short bursts; fine for light or interactive work'
              )}
            >
              {trans.__('burst')}
            </span>
          )}
        </>
      );
    case 'summary':
      return summaryParts(type, trans).map((part, i) => (
        <React.Fragment key={i}>
          {i > 0 && ' · '}
          {i < 2 ? (
            <span className={CSS.Compute.specPart}>{part}</span>
          ) : (
            gpuPart(part)
          )}
        </React.Fragment>
      ));
    case 'vcpu':
      return type.vcpu;
    case 'memory':
      return formatNumber(type.memory_gib);
    case 'gpu':
      return formatGpu(type, true);
    case 'price':
      return formatRate(type.price_per_hour);
    case 'price_per_vcpu':
      return formatRate(type.price_per_vcpu_hour);
    case 'price_per_gib':
      return formatRate(type.price_per_gib_hour);
  }
}

/** "u-24tb1.112xlarge" may wrap after its dot, and nowhere else, in a narrow table. */
function breakableName(name: string): React.ReactNode {
  const dot = name.indexOf('.');
  if (dot < 0) {
    return name;
  }
  return (
    <>
      {name.slice(0, dot + 1)}
      <wbr />
      {name.slice(dot + 1)}
    </>
  );
}

/**
 * The GPU of the summary: "1 × T4" stays whole; a longer model
 * ("8 × Radeon Pro V520") may wrap between its further words.
 */
function gpuPart(part: string): React.ReactNode {
  const match = /^(\S+ × \S+)(.*)$/.exec(part);
  if (!match) {
    return <span className={CSS.Compute.specPart}>{part}</span>;
  }
  return (
    <span className={CSS.Compute.specGpu}>
      <span className={CSS.Compute.specPart}>{match[1]}</span>
      {match[2]}
    </span>
  );
}
