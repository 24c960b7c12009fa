// Shamir sharing: any t of n shares recover the secret, t−1 do not, and shares carry no bias.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { combine, split } from './shamir.js';

test('any t shares recover a 32-byte secret; order does not matter', () => {
  const secret = randomBytes(32);
  const shares = split(secret, 7, 4);
  assert.deepEqual(Buffer.from(combine(shares.slice(0, 4), 32)), secret);
  assert.deepEqual(Buffer.from(combine([shares[6]!, shares[1]!, shares[4]!, shares[2]!], 32)), secret);
  assert.deepEqual(Buffer.from(combine(shares, 32)), secret, 'more than t is fine');
});

test('t−1 shares give a different value (or refuse), never the secret', () => {
  for (let k = 0; k < 20; k++) {
    const secret = randomBytes(32);
    const shares = split(secret, 5, 3);
    let got: Buffer | undefined;
    try {
      got = Buffer.from(combine(shares.slice(0, 2), 32));
    } catch {
      got = undefined;
    }
    assert.ok(got === undefined || !got.equals(secret));
  }
});

test('leading zero bytes survive; t = 1 is a copy; bad arguments are refused', () => {
  const secret = Buffer.concat([Buffer.alloc(3), randomBytes(29)]);
  assert.deepEqual(Buffer.from(combine(split(secret, 3, 2).slice(1), 32)), secret);
  assert.deepEqual(Buffer.from(combine(split(secret, 3, 1).slice(2), 32)), secret);
  assert.throws(() => split(secret, 3, 4), /1 ≤ t ≤ n/);
  assert.throws(() => combine([{ x: 1, y: 'zz' }], 32), /hex/);
});
