// GradScaler: PyTorch's defaults and update rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GradScaler } from './grad-scaler.js';

test('defaults are PyTorch GradScaler defaults', () => {
  const s = new GradScaler();
  assert.deepEqual([s.scale, s.growthFactor, s.backoffFactor, s.growthInterval], [65536, 2, 0.5, 2000]);
});

test('unscale divides by the scale and reports inf/NaN; a bad step backs off and resets growth', () => {
  const s = new GradScaler({ growthInterval: 3 });
  const g = Float32Array.of(65536, -131072);
  assert.equal(s.unscale([g]), true);
  assert.deepEqual([...g], [1, -2]);
  s.update(false);
  s.update(false);
  assert.equal(s.growthTracker, 2);
  assert.equal(s.unscale([Float32Array.of(1, Infinity)]), false);
  assert.equal(s.unscale([Float32Array.of(NaN)]), false);
  s.update(true);
  assert.deepEqual([s.scale, s.growthTracker, s.skipped], [32768, 0, 1]);
  for (let i = 0; i < 3; i++) s.update(false);
  assert.deepEqual([s.scale, s.growthTracker], [65536, 0]);
});
