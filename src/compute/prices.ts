/**
 * The price line every price is shown under: where the prices come from and
 * as of when, in the researcher's words. How they were obtained (live from
 * the Price List API, the cache, the snapshot bundled with the extension) is
 * the server's `detail`, shown as its tooltip.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IPriceSource } from './api';
import { formatDate } from '../common/format';

/**
 * The always-visible price line, in the researcher's words: where the prices
 * come from, as of when, and which copy the researcher sees, e.g.
 * "AWS list prices, us-east-1, 2026-07-20 (bundled)" (DESIGN: always show
 * whether prices are live or bundled). How they were obtained is the tooltip.
 */
export function priceSourceLabel(
  prices: IPriceSource,
  region: string | null,
  trans: TranslationBundle
): string {
  if (prices.source === 'unknown') {
    return region
      ? trans.__('No AWS prices for %1', region)
      : trans.__('No AWS prices for this region');
  }
  const parts = [trans.__('AWS list prices')];
  if (region) {
    parts.push(region);
  }
  const day = formatDate(prices.as_of);
  if (day) {
    parts.push(day);
  }
  const copy = {
    live: trans.__('live'),
    cached: trans.__('cached'),
    bundled: trans.__('bundled')
  }[prices.source];
  return `${parts.join(', ')} (${copy})`;
}
