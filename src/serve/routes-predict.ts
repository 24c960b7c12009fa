/**
 * POST /predict: JSON ({"inputs"} or the seed's {"input_data"}), a binary float32 body, an image
 * body (image/*) or a multipart upload. Its own parsers live in this plugin's scope, so the
 * fast tensor scanner never touches other routes.
 */
import { type FastifyInstance, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { LeptonError } from '../core/errors.js';
import { decodeImage } from '../data/image.js';
import { type ServeContext } from './context.js';
import { type HandlerContext, type PredictResult } from './handler.js';
import { parsePredictBody, type PredictBody } from './json-tensor.js';
import { type Feed } from './model-runner.js';
import { BATCH_HEADER, feedFor, feedFromBinary, predictions, rawOutputs, requestTimeoutMs } from './predict.js';
import { ERROR_SCHEMA } from './schemas.js';

const PREDICT_RESPONSE = {
  type: 'object',
  properties: {
    predictions: {
      type: 'array',
      items: { type: 'object', properties: { index: { type: 'integer' }, label: { type: 'string' }, score: { type: 'number' } }, required: ['index', 'label', 'score'] },
    },
    model: { type: 'string' },
    outputs: { type: 'object', additionalProperties: { type: 'object', properties: { dims: { type: 'array', items: { type: 'integer' } }, data: { type: 'array', items: { type: 'number' } } } } },
  },
  required: ['predictions', 'model'],
} as const;

async function imageFeed(ctx: ServeContext, bytes: Buffer): Promise<Feed> {
  const im = ctx.manifest.image;
  if (!im) throw new LeptonError('LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE', `photon ${ctx.ref} takes no images (it was created without --image); send JSON {"inputs": [[...]]}`);
  const data = await decodeImage(bytes, { width: im.width, height: im.height, channels: im.channels, normalize: im.normalize ?? 'unit', limitInputPixels: ctx.limitInputPixels });
  return feedFor(ctx.runner.session.inputs[0]!, data, [1, data.length]);
}

async function multipartFeed(ctx: ServeContext, req: FastifyRequest): Promise<Feed> {
  let file: Awaited<ReturnType<FastifyRequest['file']>>;
  try {
    file = await req.file({ limits: { fileSize: ctx.bodyLimit, files: 1, fields: 8, parts: 16 } });
  } catch (err) {
    // busboy throws plain Errors (e.g. no boundary) that would otherwise become a 500 (found by the security fuzz test)
    if (err instanceof LeptonError || (err as { statusCode?: number }).statusCode !== undefined) throw err;
    throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `malformed multipart body: ${(err as Error).message}`, { cause: err });
  }
  if (!file) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', 'the multipart body has no file field; send the image as a file part');
  const bytes = await file.toBuffer();
  return imageFeed(ctx, bytes);
}

function jsonFeed(ctx: ServeContext, body: PredictBody): Feed {
  if (!body.tensor) {
    const given = ['inputs', 'input_data'].find((k) => k in body.rest);
    if (given) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `'${given}' must be an array of numbers (or of rows of numbers)`);
    throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `missing field 'inputs': send {"inputs": [[...]]} (or {"input_data": [[...]]})`);
  }
  return feedFor(ctx.runner.session.inputs[0]!, body.tensor.data, body.tensor.dims);
}

/** Register /predict in its own scope. */
export async function predictRoutes(app: FastifyInstance, ctx: ServeContext, handlerCtx: HandlerContext): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
      try {
        done(null, parsePredictBody(body as Buffer));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser(/^image\/[a-z0-9.+-]+$/i, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    await scope.register(multipart, { limits: { fileSize: ctx.bodyLimit, files: 1 } });

    scope.post(
      '/predict',
      {
        schema: {
          summary: 'Predict: JSON {"inputs": [[...]]} or {"input_data": [[...]]}, float32 binary, image/* body or multipart file',
          querystring: { type: 'object', properties: { raw: { type: 'string', description: '1 to include raw outputs' } } },
          // A handler's postprocess may add fields, which a fixed response schema would strip.
          response: { ...(ctx.handler?.postprocess ? {} : { 200: PREDICT_RESPONSE }), '4xx': ERROR_SCHEMA, '5xx': ERROR_SCHEMA },
        },
      },
      async (req, reply) => {
        if (ctx.runner.session.inputs.length !== 1) {
          throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `this model has ${ctx.runner.session.inputs.length} inputs; use POST /v2/models/${ctx.manifest.name}/infer`);
        }
        const timeoutMs = requestTimeoutMs(req.headers, ctx.runner.batcher.defaultTimeoutMs);
        const ct = req.headers['content-type'] ?? '';
        let feed: Feed;
        if (req.isMultipart()) feed = await multipartFeed(ctx, req);
        else if (Buffer.isBuffer(req.body)) feed = ct.startsWith('image/') ? await imageFeed(ctx, req.body) : feedFromBinary(ctx.runner.session.inputs[0]!, req.body);
        else if (req.body && typeof req.body === 'object') feed = jsonFeed(ctx, req.body as PredictBody);
        else throw new LeptonError('LEPTON_ERR_INVALID_INPUT', 'empty body: send {"inputs": [[...]]}');
        const outputs = await ctx.runner.predict(feed, timeoutMs);
        const rows = ctx.runner.batchRowsOf(outputs);
        if (rows !== undefined) void reply.header(BATCH_HEADER, String(rows));
        const first = outputs[ctx.runner.session.outputs[0]!.name]!;
        let result: PredictResult = { predictions: predictions(first, ctx.manifest.labels), model: ctx.ref };
        const q = req.query as { raw?: string };
        if (q.raw === '1' || q.raw === 'true') result.outputs = rawOutputs(outputs);
        if (ctx.handler?.postprocess) result = await ctx.handler.postprocess(result, outputs, handlerCtx);
        return result;
      },
    );
  });
}
