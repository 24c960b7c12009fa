/**
 * ONNX RNN, LSTM and GRU on the fused recurrent tensor op (one per direction), so they run in the
 * native engine and train through the graph (W, R, B are weight inputs). Gate blocks are read in
 * ONNX's order in place (LSTM i,o,f,c; GRU z,r,h). Supported: forward/reverse/bidirectional, both
 * layouts, initial states, and sequence_lens when every sequence is full length; the default
 * activations (RNN Tanh or Relu). GRU runs with linear_before_reset=1 (what PyTorch exports).
 * Refused as UNSUPPORTED: custom activations, clip, peepholes, input_forget, ragged sequence_lens.
 */
import { concat, narrow, recurrent, reshape, transpose, type CellKind, type Tensor } from '../../tensor/index.js';
import { attrInt, attrString, attrStrings, hasAttr } from './attributes.js';
import { f32, need, unsupported, type OpEntry, type OpValue } from './types.js';
import { type AttrNode } from './attributes.js';

type Op = 'RNN' | 'LSTM' | 'GRU';

/** Logical gate → ONNX block: LSTM [i, f, g(c), o] in i,o,f,c; GRU [r, z, n(h)] in z,r,h. */
const ORDER: Readonly<Record<Op, readonly number[]>> = { RNN: [0], LSTM: [0, 2, 3, 1], GRU: [1, 0, 2] };
const GATES: Readonly<Record<Op, number>> = { RNN: 1, LSTM: 4, GRU: 3 };
/** Default activations per direction; anything else is refused. */
const DEFAULT_ACTS: Readonly<Record<Op, readonly string[]>> = { RNN: ['Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'], GRU: ['Sigmoid', 'Tanh'] };

function cellOf(op: Op, node: AttrNode, dirs: number): CellKind {
  const acts = attrStrings(node, 'activations', undefined);
  if (hasAttr(node, 'activation_alpha') || hasAttr(node, 'activation_beta')) throw unsupported(node, 'activation_alpha/beta');
  if (op === 'RNN') {
    const a = acts ?? Array(dirs).fill('Tanh');
    if (a.length !== dirs || a.some((v) => v !== a[0]) || (a[0] !== 'Tanh' && a[0] !== 'Relu')) throw unsupported(node, `activations [${a}]`);
    return a[0] === 'Relu' ? 'rnn_relu' : 'rnn_tanh';
  }
  if (acts) {
    const want = Array.from({ length: dirs }, () => DEFAULT_ACTS[op]).flat();
    if (acts.length !== want.length || acts.some((v, i) => v !== want[i])) throw unsupported(node, `activations [${acts}]`);
  }
  return op === 'LSTM' ? 'lstm' : 'gru';
}

/** [dirs, …] → the slice of direction d without its leading axis. */
const dir = (t: Tensor, d: number): Tensor => reshape(narrow(t, 0, d, 1), t.shape.slice(1));

function run(op: Op, inputs: ReadonlyArray<OpValue | undefined>, node: AttrNode): OpValue[] {
  if (hasAttr(node, 'clip')) throw unsupported(node, 'clip');
  if (op === 'LSTM' && attrInt(node, 'input_forget', 0) !== 0) throw unsupported(node, 'input_forget=1');
  if (op === 'LSTM' && inputs[7]) throw unsupported(node, 'peephole weights (P)');
  if (op === 'GRU' && attrInt(node, 'linear_before_reset', 0) !== 1) throw unsupported(node, 'linear_before_reset=0');
  const direction = attrString(node, 'direction', 'forward');
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') throw unsupported(node, `direction '${direction}'`);
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const layout = attrInt(node, 'layout', 0);
  if (layout !== 0 && layout !== 1) throw unsupported(node, `layout ${layout}`);
  const cell = cellOf(op, node, dirs);
  let x = need(inputs, 0, node).t;
  if (layout === 1) x = transpose(x, [1, 0, 2]);
  const [T, N] = x.shape as [number, number];
  const W = need(inputs, 1, node).t;
  const R = need(inputs, 2, node).t;
  const H = R.shape[2]!;
  const GH = GATES[op] * H;
  if (W.shape[0] !== dirs || R.shape[0] !== dirs) throw unsupported(node, `W [${W.shape}] / R [${R.shape}] for ${dirs} direction(s)`);
  const hs = attrInt(node, 'hidden_size', H);
  if (hs !== H || R.shape[1] !== GH) throw unsupported(node, `hidden_size ${hs} with R [${R.shape}]`);
  const B = inputs[3]?.t;
  const lens = inputs[4]?.t;
  if (lens && lens.data.some((v) => v !== T)) throw unsupported(node, 'sequence_lens shorter than the sequence');
  const state = (i: number): Tensor | undefined => {
    const s = inputs[i]?.t;
    return s && layout === 1 ? transpose(s, [1, 0, 2]) : s; // → [dirs, N, H]
  };
  const h0 = state(5);
  const c0 = op === 'LSTM' ? state(6) : undefined;
  const ys: Tensor[] = [];
  const yh: Tensor[] = [];
  const yc: Tensor[] = [];
  for (let d = 0; d < dirs; d++) {
    const b = B ? dir(B, d) : null;
    const packed = recurrent(
      x,
      {
        w: dir(W, d),
        r: dir(R, d),
        bw: b ? narrow(b, 0, 0, GH) : null,
        br: b ? narrow(b, 0, GH, GH) : null,
        h0: h0 ? dir(h0, d) : null,
        c0: c0 ? dir(c0, d) : null,
      },
      { cell, reverse: direction === 'reverse' || d === 1, gateOrder: ORDER[op] },
    );
    ys.push(reshape(narrow(packed, 0, 0, T), [T, 1, N, H]));
    yh.push(narrow(packed, 0, T, 1));
    yc.push(narrow(packed, 0, T + 1, 1));
  }
  const join = (parts: Tensor[], axis: number): Tensor => (parts.length === 1 ? parts[0]! : concat(parts, axis));
  let Y = join(ys, 1); // [T, dirs, N, H]
  let Yh = join(yh, 0); // [dirs, N, H]
  let Yc = join(yc, 0);
  if (layout === 1) {
    Y = transpose(Y, [2, 0, 1, 3]); // [N, T, dirs, H]
    Yh = transpose(Yh, [1, 0, 2]);
    Yc = transpose(Yc, [1, 0, 2]);
  }
  return op === 'LSTM' ? [f32(Y), f32(Yh), f32(Yc)] : [f32(Y), f32(Yh)];
}

const entry = (op: Op): OpEntry => ({ opType: op, differentiable: true, weightInputs: [1, 2, 3], run: (i, n) => run(op, i, n) });

export const RNN = entry('RNN');
export const LSTM = entry('LSTM');
export const GRU = entry('GRU');
