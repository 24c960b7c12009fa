/**
 * POST /explain: attributions for one input, with the same body shapes as /predict (JSON
 * {"inputs"} / {"input_data"}, an image/* body or a multipart upload; JSON may also carry the image
 * as base64 "image")
 * plus method, target, steps (and the method's other knobs) in the JSON or the query string.
 * It answers the attributions, a base64 PNG heat map over the input and IG's delta.
 *
 * It always runs on the native engine's op table (autograd through the graph), whatever engine
 * serves predictions, in a worker thread that loads the model once, on the first /explain. Its own
 * small admission limit (ExplainPool: 1 running, 4 waiting, then 429) keeps explanations from
 * starving predictions. A photon whose manifest says `explain: false` answers 403.
 */
import { type FastifyInstance, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { BASELINE_NAMES, EXPLAIN_METHODS, ExplainPool, IG_RULES, isExplainMethod, type BaselineName, type ExplainOptions, type IntegrationRule } from '../explain/index.js';
import { type ServeContext } from './context.js';
import { ERROR_SCHEMA } from './schemas.js';

export interface ExplainRouteOptions {
  /** Requests computed at once. Default 1. */
  concurrency?: number;
  /** Requests waiting beyond those. Default 4. */
  maxQueue?: number;
}

type Knobs = Record<string, unknown>;

const int = (v: unknown, name: string, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw invalidArgument(`'${name}' must be an integer in [${min}, ${max}]`);
  return n;
};

/** The method and its settings from JSON fields or query parameters. */
export function explainOptions(k: Knobs): ExplainOptions {
  const method = k['method'] ?? 'ig';
  if (!isExplainMethod(method)) throw invalidArgument(`'method' must be one of ${EXPLAIN_METHODS.join(', ')}`);
  const baseline = k['baseline'] ?? 'zeros';
  if (!(BASELINE_NAMES as readonly unknown[]).includes(baseline)) throw invalidArgument(`'baseline' must be one of ${BASELINE_NAMES.join(', ')}`);
  const rule = k['rule'] ?? 'riemann-middle';
  if (!(IG_RULES as readonly unknown[]).includes(rule)) throw invalidArgument(`'rule' must be one of ${IG_RULES.join(', ')}`);
  const target = int(k['target'], 'target', 0, 1_000_000);
  const steps = int(k['steps'], 'steps', 1, 512);
  const window = int(k['window'], 'window', 1, 4096);
  const stride = int(k['stride'], 'stride', 1, 4096);
  return {
    method,
    baseline: baseline as BaselineName,
    rule: rule as IntegrationRule,
    ...(target !== undefined && { target }),
    ...(steps !== undefined && { steps }),
    ...(window !== undefined && { window }),
    ...(stride !== undefined && { stride }),
  };
}

async function uploadedImage(req: FastifyRequest, bodyLimit: number): Promise<Buffer> {
  let file: Awaited<ReturnType<FastifyRequest['file']>>;
  try {
    file = await req.file({ limits: { fileSize: bodyLimit, files: 1, fields: 8, parts: 16 } });
  } catch (err) {
    if (err instanceof LeptonError || (err as { statusCode?: number }).statusCode !== undefined) throw err;
    throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `malformed multipart body: ${(err as Error).message}`, { cause: err });
  }
  if (!file) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', 'the multipart body has no file field; send the image as a file part');
  return file.toBuffer();
}

/** Register POST /explain in its own scope (its own image parser; JSON uses the default one). */
export async function explainRoutes(app: FastifyInstance, ctx: ServeContext, model: Uint8Array, o: ExplainRouteOptions = {}): Promise<void> {
  const enabled = ctx.manifest.explain !== false;
  const pool = enabled
    ? new ExplainPool({ model, ...(ctx.manifest.image && { image: ctx.manifest.image }), limitInputPixels: ctx.limitInputPixels, concurrency: o.concurrency ?? 1, maxQueue: o.maxQueue ?? 4 })
    : null;
  app.addHook('onClose', async () => pool?.close());
  await app.register(async (scope) => {
    scope.addContentTypeParser(/^image\/[a-z0-9.+-]+$/i, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    await scope.register(multipart, { limits: { fileSize: ctx.bodyLimit, files: 1 } });
    scope.post(
      '/explain',
      {
        schema: {
          summary: 'Explain one prediction: JSON {"inputs": [...] | "image": base64, "method": "saliency"|"ig"|"occlusion", "target", "steps"} or an image/* body (method… in the query)',
          response: { '4xx': ERROR_SCHEMA, '5xx': ERROR_SCHEMA },
        },
      },
      async (req) => {
        if (!pool) throw new LeptonError('LEPTON_ERR_FORBIDDEN', `photon ${ctx.ref} turns explanations off (explain: false in its manifest)`);
        const query = (req.query ?? {}) as Knobs;
        let input: Parameters<ExplainPool['explain']>[0];
        let knobs: Knobs;
        if (req.isMultipart()) {
          input = { kind: 'image', bytes: await uploadedImage(req, ctx.bodyLimit) };
          knobs = query;
        } else if (Buffer.isBuffer(req.body)) {
          input = { kind: 'image', bytes: req.body };
          knobs = query;
        } else if (req.body && typeof req.body === 'object' && !Array.isArray(req.body)) {
          const body = req.body as Knobs;
          knobs = { ...query, ...body };
          if (typeof body['image'] === 'string') input = { kind: 'image', bytes: Buffer.from(body['image'], 'base64') };
          else if ('inputs' in body || 'input_data' in body) input = { kind: 'numbers', value: body };
          else throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `send {"inputs": [...]} (one sample) or {"image": "<base64>"}, or an image/* body`);
        } else {
          throw new LeptonError('LEPTON_ERR_INVALID_INPUT', 'empty body: send {"inputs": [...]} or an image');
        }
        const opts = explainOptions(knobs);
        const r = await pool.explain(input, opts);
        const top = r['top'] as number;
        return { model: ctx.ref, engine: 'native', label: ctx.manifest.labels?.[top] ?? String(top), ...r };
      },
    );
  });
}
