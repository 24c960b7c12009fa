// The layer registry: each entry's example parses to itself, builds, and round-trips through spec();
// every declared field is checked (missing required fields and wrong types are INVALID_ARGUMENT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Tensor, noGrad } from '../tensor/index.js';
import { LAYER_DEFS, LAYER_TYPES, buildModule, layerDef, parseLayerSpec, type LayerSpec } from './layer-registry.js';

const invalid = (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT';

test('LAYER_TYPES lists each registry entry once', () => {
  assert.deepEqual([...LAYER_TYPES], LAYER_DEFS.map((d) => d.type));
  assert.equal(new Set(LAYER_TYPES).size, LAYER_TYPES.length);
  for (const t of LAYER_TYPES) assert.equal(layerDef(t).type, t);
});

for (const def of LAYER_DEFS) {
  test(`${def.type}: the example parses to itself, builds, runs and round-trips through spec()`, () => {
    const { spec, inputShape } = def.example;
    assert.equal(spec.type, def.type);
    assert.deepEqual(parseLayerSpec(JSON.parse(JSON.stringify(spec))), spec);
    const m = buildModule(spec as LayerSpec, { rng: new Rng(1) });
    m.eval();
    const y = noGrad(() => m.forward(Tensor.uniform([2, ...inputShape], new Rng(2), -1, 1)));
    assert.equal(y.shape[0], 2);
    const again = buildModule(JSON.parse(JSON.stringify(m.spec())) as LayerSpec, { rng: new Rng(1) });
    assert.deepEqual(again.spec(), m.spec());
    assert.deepEqual([...again.stateDict().keys()], [...m.stateDict().keys()]);
  });

  test(`${def.type}: every declared field is checked`, () => {
    const spec = def.example.spec as unknown as Record<string, unknown>;
    for (const [key, f] of Object.entries(def.fields)) {
      assert.throws(() => parseLayerSpec({ ...spec, [key]: 'wrong' }), invalid, `${def.type}.${key} = 'wrong'`);
      if (!f.optional) {
        const { [key]: _dropped, ...rest } = spec;
        assert.throws(() => parseLayerSpec(rest), invalid, `${def.type} without ${key}`);
      }
    }
  });
}

test('unknown and malformed layers are INVALID_ARGUMENT naming the known types, at any depth', () => {
  for (const bad of [null, 3, [], { type: 'conv3d' }, { type: 'sequential', layers: [{ type: 'relu' }, { type: 'transformer' }] }]) {
    assert.throws(() => parseLayerSpec(bad), (e: unknown) => invalid(e) && /unknown layer/.test((e as Error).message) && /linear, conv2d/.test((e as Error).message), JSON.stringify(bad));
  }
  assert.throws(() => parseLayerSpec({ type: 'sequential', layers: {} }), invalid);
  assert.throws(() => layerDef('nope'), invalid);
});

test('absent or null optional fields take the layer defaults; extra fields are ignored', () => {
  const m = buildModule({ type: 'maxpool2d', kernelSize: 3, stride: null, padding: undefined, note: 'x' } as unknown as LayerSpec);
  assert.deepEqual(m.spec(), { type: 'maxpool2d', kernelSize: 3, stride: 3, padding: 0 });
});
