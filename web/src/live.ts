// Live metrics in the browser: the history of each deployment (JSON once), then one point a second
// from the server-sent event stream. Views subscribe and re-render on each sample.
import { api, type HistoryPoint } from './api.js';

const KEEP = 900;
const series = new Map<string, HistoryPoint[]>();
const loading = new Set<string>();
const listeners = new Set<() => void>();
let source: EventSource | undefined;

export function points(name: string): HistoryPoint[] {
  if (!series.has(name) && !loading.has(name)) {
    loading.add(name);
    api<{ points: HistoryPoint[] }>('GET', `api/v1/deployments/${encodeURIComponent(name)}/history`)
      .then((h) => {
        const newer = series.get(name) ?? [];
        const last = h.points.at(-1)?.t ?? 0;
        series.set(name, [...h.points, ...newer.filter((p) => p.t > last)]);
        notify();
      })
      .catch(() => undefined)
      .finally(() => loading.delete(name));
  }
  return series.get(name) ?? [];
}

function notify(): void {
  for (const fn of listeners) fn();
}

export function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  if (!source) {
    source = new EventSource('api/v1/stream');
    source.addEventListener('sample', (ev) => {
      const s = JSON.parse((ev as MessageEvent<string>).data) as { deployments: Record<string, HistoryPoint> };
      for (const [name, p] of Object.entries(s.deployments)) {
        const arr = series.get(name) ?? [];
        if (arr.at(-1)?.t !== p.t) arr.push(p);
        if (arr.length > KEEP + 60) arr.splice(0, arr.length - KEEP);
        series.set(name, arr);
      }
      notify();
    });
  }
  return () => {
    listeners.delete(fn);
  };
}

export function stop(): void {
  source?.close();
  source = undefined;
  series.clear();
}
