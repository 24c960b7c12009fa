/**
 * Gateway metrics on the front door's prom-client registry, labelled per deployment and replica:
 * requests by status, latency histogram, in-flight, queue depth, retries and ejections.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class GatewayMetrics {
  readonly requests: Counter<'deployment' | 'replica' | 'code'>;
  readonly duration: Histogram<'deployment' | 'replica'>;
  readonly inFlight: Gauge<'deployment' | 'replica'>;
  readonly queueDepth: Gauge<'deployment'>;
  readonly retries: Counter<'deployment' | 'reason'>;
  readonly ejections: Counter<'deployment' | 'replica'>;
  readonly rejected: Counter<'deployment' | 'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'lepton_gateway_requests_total',
      help: 'Requests proxied by the gateway, by deployment, replica and status code.',
      labelNames: ['deployment', 'replica', 'code'],
      registers,
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

  /** Drop a departed replica's label values so churn does not grow the series forever. */
  forgetReplica(deployment: string, replica: string): void {
    this.inFlight.remove({ deployment, replica });
  }
}
