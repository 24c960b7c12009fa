// One uPlot chart as a Preact component: created once, fed new data on every render, resized with
// its container. uPlot draws on a canvas (no inline styles needed beyond its stylesheet).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Line { label: string; values: Array<number | null>; color: string }

export function Chart(props: { title: string; times: number[]; lines: Line[]; height?: number; spark?: boolean; testId?: string; xIsTime?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const isTime = props.xIsTime !== false;
  const data = [props.times.map((t) => (isTime ? t / 1000 : t)), ...props.lines.map((l) => l.values)] as uPlot.AlignedData;
  useEffect(() => {
    const el = box.current!;
    const spark = props.spark === true;
    const opts: uPlot.Options = {
      width: Math.max(80, el.clientWidth),
      height: props.height ?? (spark ? 36 : 180),
      legend: { show: !spark },
      cursor: { show: !spark },
      axes: spark ? [{ show: false }, { show: false }] : [{}, { size: 50 }],
      scales: { x: { time: isTime } },
      ...(spark ? { padding: [4, 2, 4, 2] as uPlot.Padding } : {}),
      series: [{}, ...props.lines.map((l) => ({ label: l.label, stroke: l.color, width: spark ? 1.5 : 2, spanGaps: false, points: { show: !spark } }))],
    };
    plot.current = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(80, el.clientWidth), height: opts.height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [props.lines.length]);
  useEffect(() => {
    plot.current?.setData(data);
  });
  const last = props.lines[0]?.values.at(-1);
  return (
    <div class={props.spark ? 'spark' : 'chart'} data-testid={props.testId} data-last={last ?? ''} data-values={props.lines[0]?.values.slice(-30).join(',')}>
      {props.spark ? null : <h4>{props.title}</h4>}
      <div ref={box} />
    </div>
  );
}
