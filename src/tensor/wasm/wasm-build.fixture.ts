// Test support: the WebAssembly kernels are part of every development install (`npm ci` builds them
// through `prepare`), so a test of a wasm path fails when they are missing instead of skipping:
// a skip would let a broken build pass CI on the JS fallbacks alone.
import assert from 'node:assert/strict';

const HOW = 'the WebAssembly kernels are missing or failed to load: `npm ci` builds them (or run node scripts/build-wasm.mjs)';

/** `value`, asserted present (non-null, non-false): what a wasm-path test needs before it runs. */
export function requireWasm<T>(value: T | null | undefined | false, what = 'wasm kernels'): T {
  assert.ok(value !== null && value !== undefined && value !== false, `${what}: ${HOW}`);
  return value as T;
}
