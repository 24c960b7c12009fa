/**
 * Adam's wasm path: per parameter, the weights, gradient and both moments live in a resident
 * store (src/tensor/wasm/resident.ts) and one float32 SIMD pass updates them. The moments stay
 * there between steps and are the very arrays the optimizer's state map holds (checkpoints read
 * them as usual); the weights and gradient are copied in and the weights out each step, because
 * other code owns those arrays (data-parallel training makes .grad a view of its flat buffer).
 */
import { kernels, type ResidentBuffer, type ResidentFloats, type Tensor } from '../../tensor/index.js';

interface Slot {
  w: ResidentBuffer;
  g: ResidentBuffer;
  m: ResidentBuffer;
  v: ResidentBuffer;
}

export class ResidentAdam {
  private readonly slots: Array<Slot | null | undefined>;

  private constructor(
    private readonly store: ResidentFloats,
    count: number,
  ) {
    this.slots = new Array<Slot | null | undefined>(count);
  }

  /** Room for four buffers per parameter, or null when the backend has no resident store. */
  static create(params: readonly Tensor[]): ResidentAdam | null {
    const floats = params.reduce((s, p) => s + p.size, 0);
    const store = kernels().resident?.(4 * floats, 4 * params.length) ?? null;
    return store ? new ResidentAdam(store, params.length) : null;
  }

  /**
   * One step for parameter `index`; false when it cannot run here (the caller's JS loop then
   * runs on the same state arrays). A state array replaced from outside (a restored checkpoint)
   * is copied in and the map pointed back at the resident one.
   */
  update(index: number, w: Float32Array, g: Float32Array, state: Map<string, Float32Array>, c1: number, b2: number, c2: number, stepSize: number, bc2Sqrt: number, eps: number): boolean {
    const s = this.slot(index, w.length);
    if (!s) return false;
    adopt(state, 'exp_avg', s.m);
    adopt(state, 'exp_avg_sq', s.v);
    s.w.data.set(w);
    s.g.data.set(g);
    this.store.adam(s.w, s.g, s.m, s.v, c1, b2, c2, stepSize, bc2Sqrt, eps);
    w.set(s.w.data);
    return true;
  }

  private slot(index: number, n: number): Slot | null {
    let s = this.slots[index];
    if (s === undefined) {
      const [w, g, m, v] = [0, 1, 2, 3].map(() => this.store.alloc(n));
      s = this.slots[index] = w && g && m && v ? { w, g, m, v } : null;
    }
    return s && s.w.data.length === n ? s : null;
  }
}

/** Make `state[name]` the resident buffer, carrying over any values it already held. */
function adopt(state: Map<string, Float32Array>, name: string, r: ResidentBuffer): void {
  const cur = state.get(name);
  if (cur === r.data) return;
  if (cur) r.data.set(cur);
  else r.data.fill(0);
  state.set(name, r.data);
}
