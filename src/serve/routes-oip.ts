/**
 * Open Inference Protocol v2 (the KServe/Triton REST shape): server and model metadata, liveness,
 * readiness and `infer`, all through the same batcher as /predict.
 */
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { LeptonError } from '../core/errors.js';
import { type ServeContext } from './context.js';
import { type Feed } from './model-runner.js';
import { parseOipBody } from './oip-body.js';
import { BATCH_HEADER, requestTimeoutMs } from './predict.js';
import { ERROR_SCHEMA, OIP_TENSOR } from './schemas.js';

const OIP_TYPES: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  float16: 'FP16',
  int8: 'INT8',
  uint8: 'UINT8',
  int32: 'INT32',
  int64: 'INT64',
  bool: 'BOOL',
};

export function oipType(dtype: string): string {
  return OIP_TYPES[dtype] ?? dtype.toUpperCase();
}

/** OIP shapes use -1 for dynamic dims. */
function oipShape(shape: ReadonlyArray<number | string>): number[] {
  return shape.map((d) => (typeof d === 'number' && d > 0 ? d : -1));
}

interface OipInput {
  name?: unknown;
  shape?: unknown;
  datatype?: unknown;
  data?: unknown;
}

/** Flatten nested numeric arrays into `out`, refusing anything that is not a finite number. */
function flatten(v: unknown, out: number[], name: string): void {
  if (Array.isArray(v)) {
    for (const x of v) flatten(x, out, name);
    return;
  }
  if (typeof v !== 'number') throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `input '${name}': data must hold only numbers, found ${typeof v}`);
  if (!Number.isFinite(Math.fround(v))) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `input '${name}': ${v} is not a finite float32`);
  out.push(v);
}

function toFeed(ctx: ServeContext, body: unknown): Feed {
  const inputs = (body as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `missing field 'inputs': an array of {name, shape, datatype, data}`);
  const feed: Feed = {};
  for (const raw of inputs as OipInput[]) {
    if (typeof raw !== 'object' || raw === null || typeof raw.name !== 'string') throw new LeptonError('LEPTON_ERR_INVALID_INPUT', 'each input needs a string name');
    const info = ctx.runner.session.inputs.find((i) => i.name === raw.name);
    if (!info) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `unknown input '${raw.name}'; the model takes ${ctx.runner.session.inputs.map((i) => i.name).join(', ')}`);
    const want = oipType(info.dtype);
    if (raw.datatype !== want) throw new LeptonError('LEPTON_ERR_DTYPE', `input '${raw.name}' has datatype ${String(raw.datatype)}; the model takes ${want}`);
    const shape = raw.shape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
      throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `input '${raw.name}': shape must be a non-empty array of non-negative integers`);
    }
    // A Float32Array comes from the fast body parser (already checked finite float32); JSON never makes one.
    let data: Float32Array;
    if (raw.data instanceof Float32Array) data = raw.data;
    else {
      const values: number[] = [];
      flatten(raw.data, values, raw.name);
      data = Float32Array.from(values);
    }
    const dims = shape as number[];
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `input '${raw.name}': shape [${dims.join(', ')}] needs ${count} values, got ${data.length}`);
    feed[raw.name] = { data, dims };
  }
  return feed;
}

export async function oipRoutes(app: FastifyInstance, ctx: ServeContext): Promise<void> {
  const m = ctx.manifest;
  const checkModel = (req: FastifyRequest): void => {
    const p = req.params as { name: string; version?: string };
    if (p.name !== m.name) throw new LeptonError('LEPTON_ERR_MODEL_NOT_FOUND', `no model '${p.name}' here; this server serves '${m.name}'`);
    if (p.version !== undefined && p.version !== m.version) throw new LeptonError('LEPTON_ERR_MODEL_NOT_FOUND', `model '${m.name}' has no version '${p.version}' here (serving ${m.version})`);
  };
  const errors = { '4xx': ERROR_SCHEMA, '5xx': ERROR_SCHEMA };

  app.get('/v2', { schema: { summary: 'OIP server metadata' } }, async () => ({ name: 'lepton-ts', version: '0.1.0', extensions: [] }));
  app.get('/v2/health/live', { schema: { summary: 'OIP liveness' } }, async () => ({ live: true }));
  app.get('/v2/health/ready', { schema: { summary: 'OIP readiness (fails first on shutdown)' } }, async (_req, reply) => {
    if (!ctx.state.ready) return reply.code(503).send({ ready: false });
    return { ready: true };
  });

  const metadata = async (req: FastifyRequest): Promise<unknown> => {
    checkModel(req);
    const io = (list: ReadonlyArray<{ name: string; dtype: string; shape: ReadonlyArray<number | string> }>) =>
      list.map((t) => ({ name: t.name, datatype: oipType(t.dtype), shape: oipShape(t.shape) }));
    return { name: m.name, versions: [m.version], platform: 'onnx', inputs: io(ctx.runner.session.inputs), outputs: io(ctx.runner.session.outputs) };
  };
  const ready = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    checkModel(req);
    return reply.code(ctx.state.ready ? 200 : 503).send({ name: m.name, ready: ctx.state.ready });
  };
  const infer = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    checkModel(req);
    const timeoutMs = requestTimeoutMs(req.headers, ctx.runner.batcher.defaultTimeoutMs);
    const feed = toFeed(ctx, req.body);
    const outputs = await ctx.runner.predict(feed, timeoutMs);
    const rows = ctx.runner.batchRowsOf(outputs);
    if (rows !== undefined) void reply.header(BATCH_HEADER, String(rows));
    const requested = (req.body as { outputs?: Array<{ name?: unknown }> }).outputs;
    const names = Array.isArray(requested) && requested.length > 0 ? requested.map((o) => String(o.name)) : ctx.runner.session.outputs.map((o) => o.name);
    const id = (req.body as { id?: unknown }).id;
    return {
      model_name: m.name,
      model_version: m.version,
      ...(typeof id === 'string' ? { id } : {}),
      outputs: names.map((name) => {
        const t = outputs[name];
        if (!t) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `unknown output '${name}'`);
        return { name, shape: t.dims, datatype: 'FP32', data: Array.from(t.data) };
      }),
    };
  };
  const inferSchema = {
    summary: 'OIP inference: {"inputs": [{"name", "shape", "datatype", "data"}]}',
    response: {
      200: { type: 'object', properties: { model_name: { type: 'string' }, model_version: { type: 'string' }, id: { type: 'string' }, outputs: { type: 'array', items: OIP_TENSOR } } },
      ...errors,
    },
  };
  app.get('/v2/models/:name', { schema: { summary: 'OIP model metadata' } }, metadata);
  app.get('/v2/models/:name/versions/:version', { schema: { summary: 'OIP model metadata (versioned)' } }, metadata);
  app.get('/v2/models/:name/ready', { schema: { summary: 'OIP model readiness' } }, ready);
  app.get('/v2/models/:name/versions/:version/ready', { schema: { summary: 'OIP model readiness (versioned)' } }, ready);
  // The infer routes get their own JSON parser (in their own scope): the fast OIP body path, and
  // fastify's default parser (same proto/constructor poisoning checks, same errors) for the rest.
  await app.register(async (scope) => {
    const fallback = scope.getDefaultJsonParser('error', 'error');
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
      const fast = parseOipBody(body as Buffer);
      if (fast !== undefined) done(null, fast);
      else fallback(req, (body as Buffer).toString('utf8'), done);
    });
    scope.post('/v2/models/:name/infer', { schema: inferSchema }, infer);
    scope.post('/v2/models/:name/versions/:version/infer', { schema: inferSchema }, infer);
  });
}
