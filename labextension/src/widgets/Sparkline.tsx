/** A small line chart of one metric's history (SVG, no charting library). */
import * as React from 'react';

import { IMetricPoint } from '../api';
import { formatValue } from '../model/format';

export const CHART_WIDTH = 160;
export const CHART_HEIGHT = 36;

export function sparkPath(points: IMetricPoint[], width: number, height: number): string {
  const usable = points.filter(p => p.value !== null) as { step: number; value: number }[];
  if (usable.length === 0) {
    return '';
  }
  const steps = usable.map(p => p.step);
  const values = usable.map(p => p.value);
  const [x0, x1] = [Math.min(...steps), Math.max(...steps)];
  const [y0, y1] = [Math.min(...values), Math.max(...values)];
  const x = (s: number) => (x1 === x0 ? width / 2 : ((s - x0) / (x1 - x0)) * (width - 4) + 2);
  const y = (v: number) =>
    y1 === y0 ? height / 2 : height - 2 - ((v - y0) / (y1 - y0)) * (height - 4);
  return usable
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(' ');
}

export function Sparkline(props: { points: IMetricPoint[]; label: string }): JSX.Element {
  const { points } = props;
  const values = points.map(p => p.value).filter((v): v is number => v !== null);
  if (values.length === 1) {
    // One point is no line: say what it is rather than draw a lone dot.
    const point = points.find(p => p.value !== null) as IMetricPoint;
    return (
      <span
        className="jp-mlops-metric-single"
        title={`${props.label}: logged once, ${formatValue(point.value)} at step ${point.step}`}
      >
        {formatValue(point.value)}{' '}
        <span className="jp-mlops-muted">(one point, step {point.step})</span>
      </span>
    );
  }
  return (
    <svg
      className="jp-mlops-sparkline"
      width={CHART_WIDTH}
      height={CHART_HEIGHT}
      role="img"
      aria-label={`${props.label}: ${points.length} points`}
    >
      <title>
        {`${props.label}: ${points.length} points, min ${formatValue(Math.min(...values))}, max ${formatValue(Math.max(...values))}`}
      </title>
      <path d={sparkPath(points, CHART_WIDTH, CHART_HEIGHT)} />
    </svg>
  );
}
