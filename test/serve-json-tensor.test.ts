// The /predict body scanner against the reference it must equal: Math.fround(JSON.parse(text)) for
// every number (short, full-precision, exponents, negatives, float32 rounding ties, odd whitespace),
// and the same typed errors as before for invalid bodies. Seeded, so a failure reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../src/core/errors.js';
import { parsePredictBody } from '../src/serve/json-tensor.js';
import { parseOipBody } from '../src/serve/oip-body.js';
import { mulberry32 } from './fixtures/mulberry32.fixture.js';

const rng = mulberry32;

/** Number texts of many shapes, all valid JSON. */
function numberText(r: () => number): string {
  const sign = r() < 0.3 ? '-' : '';
  switch (Math.floor(r() * 10)) {
    case 0:
      return sign + String(r()); // full precision, 16-17 digits
    case 1:
      return sign + r().toFixed(Math.floor(r() * 9)); // short fractions (toFixed(0) gives integers)
    case 2:
      return sign + (r() * 10 ** Math.floor(r() * 60 - 30)).toExponential(Math.floor(r() * 18)); // d.ddde±x
    case 3:
      return sign + String(Math.floor(r() * 1e6)); // integers
    case 4: {
      // A float32 exactly, or the decimal midpoint between two float32 neighbours (a rounding tie).
      const f = Math.fround(r() * 100);
      const next = Math.fround(f * (1 + 2 ** -23));
      return sign + (r() < 0.5 ? String(f) : String((f + next) / 2));
    }
    case 5:
      return sign + '0.' + '0'.repeat(Math.floor(r() * 25)) + String(Math.floor(r() * 1e12)); // many leading zeros
    case 6:
      return sign + String(Math.floor(r() * 1e9)) + String(Math.floor(r() * 1e9)) + String(Math.floor(r() * 1e9)) + '.5'; // > 19 digits
    case 7:
      return sign + String(r() * 1e-40); // float32 subnormal or zero
    case 8:
      return sign + `${Math.floor(r() * 1000)}.${Math.floor(r() * 1e8)}E${r() < 0.5 ? '+' : '-'}${Math.floor(r() * 36)}`; // below float32 max (3.4e38)
    default:
      return sign + (r() < 0.5 ? '0' : '0.0');
  }
}

const WS = [' ', '', '\n', '\t', '\r\n  '];

test('every number equals Math.fround(JSON.parse(text)), in any layout', () => {
  const r = rng(20);
  for (let body = 0; body < 300; body++) {
    const rows = 1 + Math.floor(r() * 3);
    const cols = 1 + Math.floor(r() * 40);
    const ws = (): string => WS[Math.floor(r() * WS.length)]!;
    const texts: string[][] = [];
    for (let i = 0; i < rows; i++) texts.push(Array.from({ length: cols }, () => numberText(r)));
    const json = `${ws()}{${ws()}"id"${ws()}:${ws()}"x",${ws()}"inputs"${ws()}:${ws()}[${texts.map((row) => `${ws()}[${row.map((t) => ws() + t + ws()).join(',')}]${ws()}`).join(',')}]${ws()}}${ws()}`;
    const got = parsePredictBody(Buffer.from(json));
    assert.deepEqual(got.tensor!.dims, [rows, cols]);
    assert.deepEqual(got.rest, { id: 'x' });
    const want = Float32Array.from((JSON.parse(json) as { inputs: number[][] }).inputs.flat());
    for (let i = 0; i < want.length; i++) {
      // Object.is: -0 must stay -0, as JSON.parse keeps it.
      assert.ok(Object.is(got.tensor!.data[i], want[i]), `${texts.flat()[i]}: got ${got.tensor!.data[i]}, want ${want[i]}`);
    }
  }
});

test('full-precision bodies (Math.random() style) round exactly like JSON.parse', () => {
  const r = rng(7);
  const values = Array.from({ length: 20_000 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 8 - 4));
  const json = JSON.stringify({ inputs: values });
  const got = parsePredictBody(Buffer.from(json)).tensor!;
  assert.deepEqual(got.dims, [values.length]);
  for (let i = 0; i < values.length; i++) assert.ok(Object.is(got.data[i], Math.fround(values[i]!)), `${values[i]}`);
});

function codeOf(body: string): string {
  try {
    parsePredictBody(Buffer.from(body));
  } catch (err) {
    assert.ok(err instanceof LeptonError, String(err));
    return err.code;
  }
  return 'ok';
}

test('invalid numbers and bodies give the same typed errors as before', () => {
  for (const bad of ['01', '1.', '.5', '-', '1e', '1e+', '--1', '1.e3', '0x10', '+1', '1e1234567', '١']) {
    assert.equal(codeOf(`{"inputs": [[${bad}]]}`), 'LEPTON_ERR_INVALID_JSON', bad);
  }
  for (const bad of ['NaN', 'Infinity', '-Infinity']) assert.equal(codeOf(`{"inputs": [[1, ${bad}]]}`), 'LEPTON_ERR_INVALID_JSON', bad);
  // Finite in float64, infinite in float32: a valid JSON number the model cannot take.
  assert.equal(codeOf('{"inputs": [[1e39]]}'), 'LEPTON_ERR_INVALID_INPUT');
  assert.equal(codeOf('{"inputs": [[-3.5e38, 1]]}'), 'LEPTON_ERR_INVALID_INPUT');
  assert.equal(codeOf('{"inputs": [["1"]]}'), 'LEPTON_ERR_INVALID_INPUT');
  assert.equal(codeOf('{"inputs": [[1, 2], [3]]}'), 'LEPTON_ERR_SHAPE_MISMATCH');
  assert.equal(codeOf('{"inputs": [[1, 2,'), 'LEPTON_ERR_INVALID_JSON');
  assert.equal(codeOf('{"inputs": [[1 2]]}'), 'LEPTON_ERR_INVALID_JSON');
  assert.equal(codeOf('{"inputs": [[12345'), 'LEPTON_ERR_INVALID_JSON');
  assert.equal(codeOf('{"inputs": [[0.1234'), 'LEPTON_ERR_INVALID_JSON');
  assert.equal(codeOf('{"inputs": [[0.12345678]]} x'), 'LEPTON_ERR_INVALID_JSON');
  assert.equal(codeOf('{"inputs": [[3.4028235e38, -1.5e-45, 0.12345678901234567]]}'), 'ok');
});

test('a large body after a small one is not mixed with it (the scratch buffer is reused)', () => {
  const small = parsePredictBody(Buffer.from('{"inputs": [1, 2, 3]}')).tensor!;
  const big = parsePredictBody(Buffer.from(JSON.stringify({ inputs: Array.from({ length: 5000 }, (_, i) => i / 8) }))).tensor!;
  assert.deepEqual(Array.from(small.data), [1, 2, 3]);
  assert.equal(big.data.length, 5000);
  assert.equal(big.data[4999], 4999 / 8);
  assert.deepEqual(Array.from(parsePredictBody(Buffer.from('{"inputs": [4]}')).tensor!.data), [4]);
});

test('OIP bodies: data scanned into a Float32Array, every other field as JSON.parse gives it', () => {
  const values = Array.from({ length: 784 }, (_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));
  const body = { id: 'r1', inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', parameters: { a: [1, { b: null }] }, data: values }], outputs: [{ name: 'logits' }] };
  const text = JSON.stringify(body, null, 1);
  const got = parseOipBody(Buffer.from(text))!;
  assert.ok(got !== undefined);
  const input = (got['inputs'] as Array<Record<string, unknown>>)[0]!;
  assert.ok(input['data'] instanceof Float32Array);
  assert.deepEqual(Array.from(input['data'] as Float32Array), Array.from(Float32Array.from(values)));
  const { data: _d, ...rest } = input;
  const { data: _e, ...want } = body.inputs[0]!;
  assert.deepEqual(rest, want);
  assert.deepEqual({ ...got, inputs: null }, { ...JSON.parse(text), inputs: null });
  // Nested rectangular data is flattened; an empty inputs list stays empty.
  const nested = parseOipBody(Buffer.from('{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[[1,2],[3,4e-1]]}]}'))!;
  assert.deepEqual(Array.from((nested['inputs'] as Array<{ data: Float32Array }>)[0]!.data), [1, 2, 3, Math.fround(0.4)]);
  assert.deepEqual(parseOipBody(Buffer.from('{"inputs": []}')), { inputs: [] });
});

test('OIP bodies: anything unusual leaves the fast path (the full parser and route validation answer)', () => {
  for (const bad of [
    '',
    '{"inputs": [{"name": "x", "data": [[1, 2], [3]]}]}', // ragged: the route flattens it as before
    '{"inputs": [{"name": "x", "data": [1, "2"]}]}',
    '{"inputs": [{"name": "x", "data": [1, 1e39]}]}',
    '{"inputs": [{"name": "x", "data": [1, NaN]}]}',
    '{"__proto__": {"x": 1}, "inputs": []}',
    '{"inputs": [{"constructor": {"prototype": {}}, "data": [1]}]}',
    '{"inputs": [{"name": "x", "data": [1, 2,',
    '{"inputs": [{"name": "x", "data": [1]}]} trailing',
    '{"inputs": [{"name": "x", "data": [1]}],}',
    '[1, 2]',
  ]) {
    assert.equal(parseOipBody(Buffer.from(bad)), undefined, bad);
  }
});
