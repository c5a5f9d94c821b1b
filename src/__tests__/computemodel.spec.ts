/**
 * The picker's pure logic: what a typed runtime means, how the table sorts,
 * how prices read, and what the estimate request says.
 */
import { nullTranslator } from '@jupyterlab/translation';

import { logTicks } from '../compute/chart';
import {
  columnsForWidth,
  hiddenDetails,
  MEDIUM_FROM_PX,
  summaryParts,
  WIDE_FROM_PX
} from '../compute/columns';
import {
  ariaSort,
  DEFAULT_ESTIMATE_FORM,
  EMPTY_FILTERS,
  estimateRequest,
  filtersToQuery,
  formatCost,
  formatCostRange,
  formatGpu,
  formatRate,
  nextSort,
  parseHours,
  queryToFilters,
  sortFromQuery,
  sortTypes
} from '../compute/model';
import { priceSourceLabel } from '../compute/prices';
import { formatDate } from '../common/format';
import { PRICES, TYPES } from './computefixtures';

const trans = nullTranslator.load('ucdh_jupyter');
const names = (types: { name: string }[]): string[] => types.map(t => t.name);

describe('parseHours', () => {
  it.each([
    ['2.5', 2.5, 2.5],
    ['2-4', 2, 4],
    [' 2 – 4 ', 2, 4],
    ['2 to 4', 2, 4],
    ['4-2', 2, 4],
    ['3h', 3, 3],
    ['1.5 hours', 1.5, 1.5],
    ['.5', 0.5, 0.5]
  ])('reads %p as %p to %p hours', (text, low, high) => {
    expect(parseHours(text)).toEqual({ ok: true, range: { low, high } });
  });

  it.each([
    ['', 'hours_empty'],
    ['   ', 'hours_empty'],
    ['abc', 'hours_format'],
    ['2-', 'hours_format'],
    ['-2', 'hours_format'],
    ['2-4-6', 'hours_format'],
    ['1e3', 'hours_format'],
    ['0', 'hours_zero'],
    ['0-3', 'hours_zero']
  ])('refuses %p with %p', (text, error) => {
    expect(parseHours(text)).toEqual({ ok: false, error });
  });
});

describe('estimateRequest', () => {
  it('asks for one EC2 machine over the typed range', () => {
    const built = estimateRequest('m5.large', {
      ...DEFAULT_ESTIMATE_FORM,
      hours: '2-4',
      ebs_gb: '50'
    });

    expect(built).toEqual({
      ok: true,
      body: {
        backend: 'ec2',
        instance_type: 'm5.large',
        count: 1,
        hours_low: 2,
        hours_high: 4,
        ebs_gb: 50
      }
    });
  });

  it('sends the Databricks workers as the count (the server adds the driver)', () => {
    const built = estimateRequest('m5.xlarge', {
      ...DEFAULT_ESTIMATE_FORM,
      backend: 'databricks',
      workers: '3'
    });

    expect(built.ok && built.body).toMatchObject({
      backend: 'databricks',
      count: 3
    });
  });

  it.each([
    [{ hours: 'soon' }, 'hours_format'],
    [{ ebs_gb: '1.5' }, 'ebs'],
    [{ ebs_gb: '-1' }, 'ebs'],
    [{ backend: 'databricks' as const, workers: '' }, 'workers'],
    [{ backend: 'databricks' as const, workers: '-1' }, 'workers'],
    [{ backend: 'databricks' as const, workers: '2.5' }, 'workers']
  ])('refuses %p with %p', (change, error) => {
    expect(
      estimateRequest('m5.large', { ...DEFAULT_ESTIMATE_FORM, ...change })
    ).toEqual({ ok: false, error });
  });
});

describe('sortTypes', () => {
  it('puts the cheapest first and types without a price last', () => {
    const sorted = sortTypes(TYPES, { key: 'price', order: 'asc' });

    expect(names(sorted)).toEqual([
      't3.micro',
      'm5.large',
      'm5.xlarge',
      'g4dn.xlarge',
      'p4d.24xlarge',
      'zz9.large'
    ]);
  });

  it('keeps types without a price last when sorting the other way', () => {
    const sorted = sortTypes(TYPES, { key: 'price', order: 'desc' });

    expect(names(sorted)[0]).toBe('p4d.24xlarge');
    expect(names(sorted)[sorted.length - 1]).toBe('zz9.large');
  });

  it("keeps the server's natural order for names and for ties", () => {
    const byVcpu = sortTypes(TYPES, { key: 'vcpu', order: 'asc' });
    const byName = sortTypes(TYPES, { key: 'name', order: 'desc' });

    expect(names(byVcpu).slice(0, 5)).toEqual([
      't3.micro',
      'm5.large',
      'zz9.large',
      'm5.xlarge',
      'g4dn.xlarge'
    ]);
    expect(names(byName)).toEqual(names(TYPES).reverse());
  });

  it('sorts by memory per GPU, machines without GPUs last either way', () => {
    const desc = sortTypes(TYPES, { key: 'gpu', order: 'desc' });
    const asc = sortTypes(TYPES, { key: 'gpu', order: 'asc' });

    expect(names(desc).slice(0, 2)).toEqual(['p4d.24xlarge', 'g4dn.xlarge']);
    expect(names(asc).slice(0, 2)).toEqual(['g4dn.xlarge', 'p4d.24xlarge']);
    expect(names(asc)[2]).toBe('t3.micro');
  });

  it('does not reorder its input', () => {
    const before = names(TYPES);
    sortTypes(TYPES, { key: 'price', order: 'desc' });
    expect(names(TYPES)).toEqual(before);
  });
});

describe('header clicks', () => {
  it('flip the sorted column and start a new one ascending', () => {
    const byPrice = nextSort({ key: 'name', order: 'asc' }, 'price');
    const flipped = nextSort(byPrice, 'price');

    expect(byPrice).toEqual({ key: 'price', order: 'asc' });
    expect(flipped).toEqual({ key: 'price', order: 'desc' });
    expect(ariaSort(flipped, 'price')).toBe('descending');
    expect(ariaSort(byPrice, 'price')).toBe('ascending');
    expect(ariaSort(byPrice, 'vcpu')).toBe('none');
  });

  it('follow a preset that asks for a server sort', () => {
    expect(sortFromQuery({ sort: 'gpu_memory', order: 'desc' })).toEqual({
      key: 'gpu',
      order: 'desc'
    });
    expect(sortFromQuery({ gpu: 'yes' })).toBeNull();
  });
});

describe('filters', () => {
  it('send only the fields that are set and valid', () => {
    const query = filtersToQuery({
      ...EMPTY_FILTERS,
      min_vcpu: '4',
      min_memory_gib: 'lots',
      gpu: 'yes',
      family: ' g5 ',
      max_price: ''
    });

    expect(query).toEqual({ min_vcpu: 4, gpu: 'yes', family: 'g5' });
    expect(filtersToQuery(EMPTY_FILTERS)).toEqual({});
  });

  it('fill the form from a preset and back', () => {
    const preset = { min_vcpu: 8, gpu: 'no' as const, arch: 'arm64' as const };

    expect(filtersToQuery(queryToFilters(preset))).toEqual(preset);
  });
});

describe('formatting', () => {
  it('shows rates with enough digits to tell cheap types apart', () => {
    expect(formatRate(0.0042)).toBe('$0.0042');
    expect(formatRate(0.096)).toBe('$0.096');
    expect(formatRate(0.5)).toBe('$0.50');
    expect(formatRate(4.608)).toBe('$4.608');
    expect(formatRate(32.7726)).toBe('$32.77');
    expect(formatRate(1234.5)).toBe('$1,234.50');
    expect(formatRate(null)).toBe('—');
  });

  it('shows costs in cents, and a range only when the ends differ', () => {
    expect(formatCost(0)).toBe('$0.00');
    expect(formatCost(0.001)).toBe('<$0.01');
    expect(formatCost(1315.2)).toBe('$1,315.20');
    expect(formatCostRange(1.2, 2.4)).toBe('$1.20 – $2.40');
    expect(formatCostRange(1.314, 1.3149)).toBe('$1.31');
  });

  it('shows the GPU count, model and memory per GPU', () => {
    expect(formatGpu(TYPES[4])).toBe('8 × NVIDIA A100 (40 GiB)');
    expect(formatGpu(TYPES[4], true)).toBe('8 × A100 (40 GiB)');
    expect(formatGpu(TYPES[1])).toBe('—');
    expect(
      formatGpu({ ...TYPES[3], gpu_model: null, gpu_memory_gib: null })
    ).toBe('1 × GPU');
  });

  it('says where the prices come from and as of when, in one short line', () => {
    expect(priceSourceLabel(PRICES, 'us-east-1', trans)).toBe(
      'AWS list prices, us-east-1, 2026-07-20 (bundled)'
    );
    expect(
      priceSourceLabel(
        { source: 'live', as_of: '2026-11-30T08:15:00Z', detail: '' },
        'us-gov-west-1',
        trans
      )
    ).toBe(
      `AWS list prices, us-gov-west-1, ${formatDate('2026-11-30T08:15:00Z')} (live)`
    );
    expect(
      priceSourceLabel(
        { source: 'unknown', as_of: null, detail: '' },
        'eu-west-1',
        trans
      )
    ).toBe('No AWS prices for eu-west-1');
  });

  it('keeps a file path or a long note out of the price line', () => {
    const note = {
      source: 'bundled' as const,
      as_of: '2026-07-20T13:44:30Z',
      detail:
        'Bundled price snapshot of 2026-07-20: see pkg/providers/pricing/zz_generated.pricing_aws.go'
    };

    const label = priceSourceLabel(note, 'us-east-1', trans);

    expect(label).not.toContain('/');
    expect(label).not.toContain('.go');
    expect(label.length).toBeLessThanOrEqual(48);
  });

  it('writes the price date as every other date in the UI, a day as written', () => {
    expect(formatDate('2026-01-05')).toBe('2026-01-05');
    expect(formatDate('soon')).toBe('soon');
    expect(formatDate(null)).toBe('');
  });

  it('puts chart ticks on round values inside the range', () => {
    expect(logTicks(0.5, 24)).toEqual([0.5, 1, 2, 5, 10, 20]);
    expect(logTicks(1, 10000)).toEqual([1, 10, 100, 1000, 10000]);
    expect(logTicks(0.5, 24576).length).toBeLessThanOrEqual(6);
  });
});

describe('catalog columns by width', () => {
  const gpuType = TYPES[4];
  const plain = TYPES[1];

  it('shows type, summary and $/h in the default sidebar, and until measured', () => {
    // 250 px is JupyterLab's narrowest sidebar, about 350 px its default.
    for (const width of [null, 200, 250, 350, MEDIUM_FROM_PX - 1]) {
      expect(columnsForWidth(width)).toEqual(['name', 'summary', 'price']);
    }
  });

  it('adds the unit prices, then one column per field, as the box widens', () => {
    expect(columnsForWidth(MEDIUM_FROM_PX)).toEqual([
      'name',
      'summary',
      'price',
      'price_per_vcpu',
      'price_per_gib'
    ]);
    expect(columnsForWidth(WIDE_FROM_PX)).toEqual([
      'name',
      'vcpu',
      'memory',
      'gpu',
      'price',
      'price_per_vcpu',
      'price_per_gib'
    ]);
    expect(columnsForWidth(1200)).toEqual(columnsForWidth(WIDE_FROM_PX));
  });

  it('sums up vCPU, memory and GPU in one short cell', () => {
    expect(summaryParts(plain, trans)).toEqual(['2 vCPU', '8 GiB']);
    expect(summaryParts(gpuType, trans)).toEqual([
      '96 vCPU',
      '1,152 GiB',
      '8 × A100'
    ]);
  });

  it('moves what the hidden columns say to the details line', () => {
    const narrow = columnsForWidth(300);

    expect(hiddenDetails(plain, narrow, trans)).toEqual([
      '$0.048 per vCPU-hour',
      '$0.012 per GiB-hour'
    ]);
    // The summary drops the GPU maker and memory; the details line keeps them.
    expect(hiddenDetails(gpuType, narrow, trans)[0]).toBe(
      '8 × NVIDIA A100 (40 GiB)'
    );
    expect(
      hiddenDetails(gpuType, columnsForWidth(MEDIUM_FROM_PX), trans)
    ).toEqual(['8 × NVIDIA A100 (40 GiB)']);
    expect(
      hiddenDetails(gpuType, columnsForWidth(WIDE_FROM_PX), trans)
    ).toEqual([]);
  });
});
