/**
 * Gateway metrics on the front door's prom-client registry, labelled per deployment and replica:
 * requests by status, latency histogram, in-flight, queue depth, retries and ejections.
 * The per-request series are cheap on the hot path (issue 20): prom-client hashes the label set on
 * every call, even through a bound child, so request counts are kept as plain numbers per replica
 * and added to the counter when it is read (a scrape, the history sampler), and the in-flight gauge
 * is read from the replicas then too. Readers see the same totals; only the writes are batched.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** A replica's batched figures, flushed into the metrics whenever they are read. */
export interface MetricSource {
  /** Add the request counts gathered since the last flush to `requests`. */
  flushRequests(): void;
  /** Set `inFlight` to the live count. */
  publishInFlight(): void;
}

export class GatewayMetrics {
  readonly requests: Counter<'deployment' | 'replica' | 'code'>;
  readonly duration: Histogram<'deployment' | 'replica'>;
  readonly inFlight: Gauge<'deployment' | 'replica'>;
  readonly queueDepth: Gauge<'deployment'>;
  readonly retries: Counter<'deployment' | 'reason'>;
  readonly ejections: Counter<'deployment' | 'replica'>;
  readonly rejected: Counter<'deployment' | 'reason'>;
  private readonly sources = new Set<MetricSource>();

  constructor(registry: Registry) {
    const registers = [registry];
    const sources = this.sources;
    this.requests = new Counter({
      name: 'lepton_gateway_requests_total',
      help: 'Requests proxied by the gateway, by deployment, replica and status code.',
      labelNames: ['deployment', 'replica', 'code'],
      registers,
      collect() {
        for (const s of sources) s.flushRequests();
      },
    });
    this.duration = new Histogram({
      name: 'lepton_gateway_request_duration_seconds',
      help: 'Gateway-observed latency of proxied requests, including queueing and retries.',
      labelNames: ['deployment', 'replica'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'lepton_gateway_in_flight',
      help: 'Requests currently in flight to each replica.',
      labelNames: ['deployment', 'replica'],
      registers,
      collect() {
        for (const s of sources) s.publishInFlight();
      },
    });
    this.queueDepth = new Gauge({
      name: 'lepton_gateway_queue_depth',
      help: 'Requests waiting in the gateway for a replica with free capacity.',
      labelNames: ['deployment'],
      registers,
    });
    this.retries = new Counter({
      name: 'lepton_gateway_retries_total',
      help: 'Retries to another replica after a failure before the response started.',
      labelNames: ['deployment', 'reason'],
      registers,
    });
    this.ejections = new Counter({
      name: 'lepton_gateway_ejections_total',
      help: 'Passive outlier ejections of a replica.',
      labelNames: ['deployment', 'replica'],
      registers,
    });
    this.rejected = new Counter({
      name: 'lepton_gateway_rejected_total',
      help: 'Requests the gateway answered itself (queue full, no replica, deadline).',
      labelNames: ['deployment', 'reason'],
      registers,
    });
  }

  /** Flush `source` whenever the metrics are read. */
  attach(source: MetricSource): void {
    this.sources.add(source);
  }

  /** Stop reading `source` (it flushed itself and writes through from now on). */
  detach(source: MetricSource): void {
    this.sources.delete(source);
  }

  /** Drop a departed replica's label values so churn does not grow the series forever. */
  forgetReplica(deployment: string, replica: string): void {
    this.inFlight.remove({ deployment, replica });
  }
}
