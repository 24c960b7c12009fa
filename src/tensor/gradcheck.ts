/**
 * Finite-difference gradient checking: compares autograd gradients against central differences
 * of a scalar function. Used by the tests of every op.
 */
import { type Tensor } from './tensor.js';

export interface GradCheckResult {
  maxAbsErr: number;
  maxRelErr: number;
}

/** `f` must build a fresh scalar from `inputs` each call. Returns the worst error over all inputs. */
export function gradCheck(f: () => Tensor, inputs: Tensor[], eps = 1e-2): GradCheckResult {
  for (const t of inputs) t.grad = null;
  f().backward();
  const analytic = inputs.map((t) => Float32Array.from(t.grad ?? new Float32Array(t.size)));
  let maxAbsErr = 0;
  let maxRelErr = 0;
  inputs.forEach((t, ti) => {
    for (let i = 0; i < t.size; i++) {
      const orig = t.data[i]!;
      t.data[i] = orig + eps;
      const up = f().item();
      t.data[i] = orig - eps;
      const down = f().item();
      t.data[i] = orig;
      const num = (up - down) / (2 * eps);
      const ana = analytic[ti]![i]!;
      const abs = Math.abs(num - ana);
      maxAbsErr = Math.max(maxAbsErr, abs);
      maxRelErr = Math.max(maxRelErr, abs / Math.max(1e-3, Math.abs(num) + Math.abs(ana)));
    }
  });
  return { maxAbsErr, maxRelErr };
}
