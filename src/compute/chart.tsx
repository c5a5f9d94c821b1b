/**
 * A small scatter plot of price against memory or vCPU for the filtered types,
 * on log scales (sizes span 0.5 GiB to 24 TiB), with the selection highlighted.
 * Colours come from CSS classes using JupyterLab variables, so themes apply.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IInstanceType } from './api';
import { CSS } from '../tokens';
import { formatNumber } from '../common/format';
import { formatRate } from './model';

/** What the horizontal axis shows. */
export type ChartAxis = 'memory' | 'vcpu';

const WIDTH = 300;
const HEIGHT = 170;
const PAD = { left: 40, right: 8, top: 8, bottom: 26 };

/** A log scale from `[min, max]` onto `[from, to]` pixels. */
export function logScale(
  min: number,
  max: number,
  from: number,
  to: number
): (value: number) => number {
  const lo = Math.log10(min);
  const span = Math.log10(max) - lo || 1;
  return value => from + ((Math.log10(value) - lo) / span) * (to - from);
}

/** Round tick values (1, 2, 5 × 10ⁿ, or only 10ⁿ when those crowd) within `[min, max]`. */
export function logTicks(min: number, max: number, most = 6): number[] {
  const ticks = (steps: number[]): number[] => {
    const out: number[] = [];
    for (
      let exp = Math.floor(Math.log10(min));
      exp <= Math.ceil(Math.log10(max));
      exp++
    ) {
      for (const step of steps) {
        const value = step * Math.pow(10, exp);
        if (value >= min * 0.999 && value <= max * 1.001) {
          out.push(Number(value.toPrecision(6)));
        }
      }
    }
    return out;
  };
  const fine = ticks([1, 2, 5]);
  if (fine.length <= most) {
    return fine;
  }
  const coarse = ticks([1]);
  if (coarse.length <= most) {
    return coarse;
  }
  return coarse.filter((_, i) => i % Math.ceil(coarse.length / most) === 0);
}

/** Above the point, or below it when the point is at the top edge. */
function labelY(cy: number): number {
  return cy < PAD.top + 12 ? cy + 15 : cy - 8;
}

/** Props of {@link PriceChart}. */
export interface IPriceChartProps {
  types: IInstanceType[];
  selected: string | null;
  onSelect: (type: IInstanceType) => void;
  trans: TranslationBundle;
}

function PriceChartView(props: IPriceChartProps): JSX.Element | null {
  const { types, selected, onSelect, trans } = props;
  const [axis, setAxis] = React.useState<ChartAxis>('memory');

  const xOf = (t: IInstanceType): number =>
    axis === 'memory' ? t.memory_gib : t.vcpu;
  const points = types.filter(
    t => t.price_per_hour !== null && t.price_per_hour > 0 && xOf(t) > 0
  );
  if (points.length === 0) {
    return null;
  }
  const xs = points.map(xOf);
  const ys = points.map(t => t.price_per_hour as number);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  const x = logScale(xMin, xMax, PAD.left, WIDTH - PAD.right);
  const y = logScale(yMin, yMax, HEIGHT - PAD.bottom, PAD.top);
  const chosen = points.find(t => t.name === selected);
  const xLabel =
    axis === 'memory' ? trans.__('Memory (GiB)') : trans.__('vCPU');
  const byName = new Map(points.map(t => [t.name, t]));
  // One handler for every point instead of 1,400 closures.
  const onClick = (event: React.MouseEvent<SVGSVGElement>): void => {
    const name = (event.target as Element).getAttribute('data-type');
    const type = name ? byName.get(name) : undefined;
    if (type) {
      onSelect(type);
    }
  };

  return (
    <figure className={CSS.Compute.chart}>
      <figcaption>
        <span>{trans.__('$/hour against')}</span>
        <span
          className={CSS.Compute.toggles}
          role="group"
          aria-label={trans.__('Horizontal axis')}
        >
          {(['memory', 'vcpu'] as ChartAxis[]).map(value => (
            <button
              key={value}
              type="button"
              className={CSS.Compute.toggle}
              aria-pressed={axis === value}
              onClick={() => setAxis(value)}
            >
              {value === 'memory' ? trans.__('memory') : trans.__('vCPU')}
            </button>
          ))}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        onClick={onClick}
        role="img"
        aria-label={trans.__(
          '%1 types, price per hour from %2 to %3 against %4 (log scales)',
          points.length,
          formatRate(yMin),
          formatRate(yMax),
          xLabel
        )}
      >
        <g className={CSS.Compute.chartAxis}>
          {logTicks(xMin, xMax).map(tick => (
            <g key={`x${tick}`}>
              <line
                x1={x(tick)}
                x2={x(tick)}
                y1={PAD.top}
                y2={HEIGHT - PAD.bottom}
              />
              <text x={x(tick)} y={HEIGHT - PAD.bottom + 11}>
                {formatNumber(tick)}
              </text>
            </g>
          ))}
          {logTicks(yMin, yMax, 5).map(tick => (
            <g key={`y${tick}`}>
              <line
                x1={PAD.left}
                x2={WIDTH - PAD.right}
                y1={y(tick)}
                y2={y(tick)}
              />
              <text
                x={PAD.left - 3}
                y={y(tick) + 3}
                className={CSS.Compute.chartYTick}
              >
                {formatRate(tick)}
              </text>
            </g>
          ))}
          <text
            x={(PAD.left + WIDTH - PAD.right) / 2}
            y={HEIGHT - 3}
            className={CSS.Compute.chartTitle}
          >
            {xLabel}
          </text>
        </g>
        {points.map(t => (
          <circle
            key={t.name}
            className={
              t.allowed
                ? CSS.Compute.point
                : `${CSS.Compute.point} jp-mod-disabled`
            }
            cx={x(xOf(t))}
            data-type={t.name}
            cy={y(t.price_per_hour as number)}
            r={2.5}
          >
            <title>
              {`${t.name}: ${t.vcpu} vCPU, ${formatNumber(t.memory_gib)} GiB, ${formatRate(t.price_per_hour)}/h`}
            </title>
          </circle>
        ))}
        {chosen && (
          <g className={CSS.Compute.chartSelection}>
            <circle
              className={`${CSS.Compute.point} jp-mod-selected`}
              cx={x(xOf(chosen))}
              cy={y(chosen.price_per_hour as number)}
              r={5}
            >
              <title>{chosen.name}</title>
            </circle>
            <text
              x={x(xOf(chosen))}
              y={labelY(y(chosen.price_per_hour as number))}
              textAnchor={x(xOf(chosen)) > WIDTH * 0.7 ? 'end' : 'middle'}
            >
              {chosen.name}
            </text>
          </g>
        )}
      </svg>
    </figure>
  );
}

/** The price chart with its memory/vCPU toggle; memoised, it redraws only when its data changes. */
export const PriceChart = React.memo(PriceChartView);
