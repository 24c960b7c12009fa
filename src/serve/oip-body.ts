/**
 * A fast path for the Open Inference Protocol v2 infer body,
 * `{"inputs": [{"name", "shape", "datatype", "data": [...]}], ...}`: each input's `data` is scanned
 * straight into a Float32Array (as /predict's bodies are) instead of JSON.parse building an array of
 * boxed numbers. Anything unusual (ragged or non-numeric data, odd keys, invalid JSON) returns
 * undefined so the caller falls back to the full JSON parser and the route's own validation, which
 * then gives exactly the errors it gave before.
 */
import { LeptonError } from '../core/errors.js';
import { Scanner } from './json-tensor.js';

/** Thrown inside the fast path only, to leave it (caught below, never sent). */
const leave = (why: string): LeptonError => new LeptonError('LEPTON_ERR_INVALID_JSON', why);

/** Keys the fast path never assigns (fastify's parser refuses them; the fallback does the same). */
const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

function object(sc: Scanner, s: Buffer, value: (key: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  sc.expect(0x7b, "'{'");
  sc.ws();
  if (s[sc.pos] === 0x7d) {
    sc.pos++;
    return out;
  }
  for (;;) {
    const key = sc.string();
    if (UNSAFE.has(key)) throw leave('unsafe key');
    sc.expect(0x3a, "':'");
    sc.ws();
    out[key] = value(key);
    sc.ws();
    const c = s[sc.pos++];
    if (c === 0x2c) continue;
    if (c === 0x7d) return out;
    throw leave("expected ',' or '}'");
  }
}

function plain(sc: Scanner): unknown {
  return JSON.parse(sc.skipValue());
}

function input(sc: Scanner, s: Buffer): Record<string, unknown> {
  return object(sc, s, (key) => {
    if (key !== 'data' || s[sc.pos] !== 0x5b) return plain(sc);
    return sc.tensor('data').data;
  });
}

/** The parsed body with each input's `data` as a Float32Array, or undefined to take the full parser. */
export function parseOipBody(body: Buffer): Record<string, unknown> | undefined {
  try {
    const sc = new Scanner(body);
    sc.ws();
    const out = object(sc, body, (key) => {
      if (key !== 'inputs' || body[sc.pos] !== 0x5b) return plain(sc);
      const inputs: unknown[] = [];
      sc.expect(0x5b, "'['");
      sc.ws();
      if (body[sc.pos] === 0x5d) {
        sc.pos++;
        return inputs;
      }
      for (;;) {
        sc.ws();
        inputs.push(input(sc, body));
        sc.ws();
        const c = body[sc.pos++];
        if (c === 0x2c) continue;
        if (c === 0x5d) return inputs;
        throw leave("expected ',' or ']'");
      }
    });
    sc.ws();
    return sc.pos === body.length ? out : undefined;
  } catch {
    return undefined;
  }
}
