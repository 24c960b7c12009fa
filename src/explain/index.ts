/**
 * Layer 5 explain: attributions for any model we can differentiate (an nn Module or an ONNX graph
 * on the op table) — saliency, integrated gradients, occlusion — one entry point for the CLI and
 * the server, and the heat-map picture. Tabular importances live with the estimators (src/ml).
 */
import { invalidArgument } from '../core/errors.js';
import { type Differentiable, imageDimsOf } from './differentiable.js';
import { integratedGradients, type IgOptions } from './integrated-gradients.js';
import { occlusion, type OcclusionOptions } from './occlusion.js';
import { saliency } from './saliency.js';

export * from './differentiable.js';
export * from './onnx-differentiable.js';
export * from './baselines.js';
export * from './saliency.js';
export * from './integrated-gradients.js';
export * from './occlusion.js';
export * from './heatmap.js';

export const EXPLAIN_METHODS = ['saliency', 'ig', 'occlusion'] as const;
export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

export interface ExplainOptions extends IgOptions, Omit<OcclusionOptions, 'target' | 'batchSize'> {
  method: ExplainMethod;
  /** Saliency: report |gradient| (default true, as Captum); false keeps the sign. */
  absolute?: boolean;
}

/** The common shape of every method's answer (what attributions.json and /explain return). */
export interface Explanation {
  method: ExplainMethod;
  target: number;
  /** Logits of the input. */
  scores: number[];
  /** Shaped like one input sample, flattened. */
  attributions: Float32Array;
  /** [C, H, W] layout of the attributions. */
  dims: [number, number, number];
  /** IG only: Σ attr − (F(x) − F(baseline)), and its parts. */
  delta?: number;
  fx?: number;
  fBaseline?: number;
  steps?: number;
  rule?: string;
  /** Saliency only: the signed gradient when `attributions` is absolute. */
  signed?: Float32Array;
}

export function isExplainMethod(v: unknown): v is ExplainMethod {
  return typeof v === 'string' && (EXPLAIN_METHODS as readonly string[]).includes(v);
}

/** Run one method on one sample. */
export function explain(m: Differentiable, x: Float32Array, o: ExplainOptions): Explanation {
  const dims = imageDimsOf(m);
  switch (o.method) {
    case 'saliency': {
      const r = saliency(m, x, o.target === undefined ? {} : { target: o.target });
      const abs = o.absolute ?? true;
      return { method: 'saliency', target: r.target, scores: [...r.scores], attributions: abs ? r.absolute : r.signed, dims, ...(abs && { signed: r.signed }) };
    }
    case 'ig': {
      const r = integratedGradients(m, x, o);
      return { method: 'ig', target: r.target, scores: [...r.scores], attributions: r.attributions, dims, delta: r.delta, fx: r.fx, fBaseline: r.fBaseline, steps: r.steps, rule: r.rule };
    }
    case 'occlusion': {
      const r = occlusion(m, x, o);
      return { method: 'occlusion', target: r.target, scores: [...r.scores], attributions: r.attributions, dims };
    }
  }
  throw invalidArgument(`unknown method ${JSON.stringify(o.method)}; valid: ${EXPLAIN_METHODS.join(', ')}`);
}

/** JSON-ready form (numbers rounded to float32 precision as plain arrays). */
export function explanationJson(e: Explanation): Record<string, unknown> {
  const { attributions, signed, ...rest } = e;
  return { ...rest, attributions: Array.from(attributions), ...(signed && { signed: Array.from(signed) }) };
}
export * from './prepare.js';
export * from './worker-pool.js';
