// The layer registry (issue 11) must not change what a model is: the default MLP and CNN, and a model
// with every layer type, give the same spec, checkpoint bytes and ONNX bytes as the code before it.
// The golden (fixtures/export-golden.json) was captured from the pre-registry code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenModels, summarize } from './fixtures/export-golden-models.js';

const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'export-golden.json'), 'utf8')) as Record<string, Record<string, unknown>>;

for (const [name, m] of Object.entries(goldenModels())) {
  test(`${name}: spec, checkpoint and ONNX export are byte-identical to the golden`, () => {
    const want = golden[name]!;
    // JSON round trip: the fixture holds plain JSON, the summary holds typed values.
    const got = JSON.parse(JSON.stringify(summarize(m))) as Record<string, unknown>;
    // Readable parts first, so a difference names the node or field rather than only a hash.
    assert.deepEqual(got['spec'], want['spec']);
    assert.deepEqual(got['nodes'], want['nodes']);
    assert.deepEqual(got['initializers'], want['initializers']);
    assert.deepEqual(got['outputs'], want['outputs']);
    assert.equal(got['checkpointSha256'], want['checkpointSha256']);
    assert.equal(got['onnxSha256'], want['onnxSha256']);
  });
}
