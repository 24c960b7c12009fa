/** Shared types of the speed–cost navigator: serving settings, measurements, targets, prices. */

/** One serving setting the search varies. */
export interface ServingConfig {
  /** ORT intra-op threads per replica. */
  threads: number;
  /** Server processes behind client-side round-robin. */
  replicas: number;
  /** Batcher: largest batch per engine run (1 = no batching). */
  maxBatch: number;
  /** Batcher: longest wait for a batch to fill, ms. */
  maxWaitMs: number;
}

/** What one load run of one (variant, config) pair measured. */
export interface Measurement {
  variant: string;
  config: ServingConfig;
  /** Sustained successful requests per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU cores the server processes used on average (CPU seconds ÷ wall seconds). */
  coresUsed: number;
  /** Peak resident memory summed over replicas, MB. */
  peakRssMb: number;
  /** Successful responses during the measured window. */
  requests: number;
  /** Non-2xx responses plus connection errors. */
  errors: number;
  /** Stopped after the short probe because it could not win. */
  probeOnly: boolean;
}

/** A model variant with its accuracy. */
export interface VariantInfo {
  name: string;
  /** The compression method ('original' for the input model). */
  method: string;
  path: string;
  sizeBytes: number;
  accuracy: number;
  buildSeconds: number;
}

export interface Targets {
  minAccuracy: number;
  p99Ms: number;
  rps: number;
}

export interface Prices {
  coreHour: number;
  /** Only reported when a GPU was actually measured. */
  gpuHour?: number;
}

/** A measurement with its variant's accuracy and its price. */
export interface PricedPoint extends Measurement {
  accuracy: number;
  /** Dollars per million requests at the measured CPU use and throughput. */
  costPerMillion: number;
}

export const configKey = (c: ServingConfig): string => `t${c.threads}-r${c.replicas}-b${c.maxBatch}-w${c.maxWaitMs}`;

/** Cost of a million requests: cores × price per core-second ÷ requests per second × 10⁶. */
export function costPerMillion(coresUsed: number, rps: number, pricePerCoreHour: number): number {
  if (!(rps > 0)) return Infinity;
  return ((coresUsed * pricePerCoreHour) / 3600 / rps) * 1e6;
}

/** Share of failed requests in a run. */
export const errorRate = (m: Pick<Measurement, 'errors' | 'requests'>): number => (m.errors === 0 ? 0 : m.errors / (m.errors + m.requests));
