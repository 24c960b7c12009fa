/**
 * Per-server Prometheus metrics (prom-client, one Registry per server so several servers in one
 * process never share counters). Label children are cached: the hot path does no label hashing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'code'>;
  private readonly duration: Histogram<'route'>;
  readonly queueDepth: Gauge;
  private readonly batchSize: Histogram;
  private readonly inference: Histogram;
  private readonly requestChildren = new Map<string, Counter.Internal>();
  private readonly durationChildren = new Map<string, Histogram.Internal<'route'>>();

  constructor(labels: Record<string, string> = {}) {
    this.registry.setDefaultLabels(labels);
    const registers = [this.registry];
    this.requests = new Counter({ name: 'lepton_requests_total', help: 'HTTP requests by route and status code', labelNames: ['route', 'code'], registers });
    this.duration = new Histogram({
      name: 'lepton_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'lepton_queue_depth', help: 'rows waiting for a batch', registers });
    this.batchSize = new Histogram({ name: 'lepton_batch_size', help: 'rows per engine run', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], registers });
    this.inference = new Histogram({
      name: 'lepton_inference_duration_seconds',
      help: 'engine run duration per batch',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'lepton_process_' });
  }

  request(route: string, code: number, seconds: number): void {
    const key = `${route}\u0000${code}`;
    let c = this.requestChildren.get(key);
    if (!c) {
      c = this.requests.labels(route, String(code));
      this.requestChildren.set(key, c);
    }
    c.inc();
    let h = this.durationChildren.get(route);
    if (!h) {
      h = this.duration.labels(route);
      this.durationChildren.set(route, h);
    }
    h.observe(seconds);
  }

  batch(rows: number, ms: number): void {
    this.batchSize.observe(rows);
    this.inference.observe(ms / 1000);
  }
}
