// Bench peer 2, what a user writes first: fastify + onnxruntime-node, one session.run per request.
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

const [modelPath, portArg] = process.argv.slice(2);
const session = await ort.InferenceSession.create(modelPath!);
const app = Fastify({ logger: false, bodyLimit: 8 * 2 ** 20 });
app.post('/predict', async (req, reply) => {
  const rows = (req.body as { inputs?: number[][] }).inputs;
  if (!Array.isArray(rows) || rows.length === 0) return reply.code(400).send({ error: 'bad input' });
  const x = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 784]);
  const out = await session.run({ [session.inputNames[0]!]: x });
  const y = out[session.outputNames[0]!]!.data as Float32Array;
  const predictions = rows.map((_, r) => {
    const row = Array.from(y.subarray(r * 10, r * 10 + 10));
    const max = Math.max(...row);
    const z = row.reduce((a, v) => a + Math.exp(v - max), 0);
    const index = row.indexOf(max);
    return { index, label: String(index), score: 1 / z };
  });
  return { predictions, model: 'naive@1' };
});
await app.listen({ host: '127.0.0.1', port: Number(portArg ?? 9102) });
console.log(`ready http://127.0.0.1:${portArg}`);
