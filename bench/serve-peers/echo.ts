// Bench peer 1, the HTTP floor: fastify parses the same JSON body and returns fixed scores.
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 9101);
const app = Fastify({ logger: false, bodyLimit: 8 * 2 ** 20 });
const fixed = { predictions: [{ index: 7, label: '7', score: 0.98 }], model: 'echo@1' };
app.post('/predict', async (req, reply) => {
  const rows = (req.body as { inputs?: number[][] }).inputs;
  if (!Array.isArray(rows) || rows[0]?.length !== 784) return reply.code(400).send({ error: 'bad input' });
  return fixed;
});
await app.listen({ host: '127.0.0.1', port });
console.log(`ready http://127.0.0.1:${port}`);
