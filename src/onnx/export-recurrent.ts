/**
 * ONNX exporters of the sequence layers. A PyTorch-layout RNN/LSTM/GRU becomes one ONNX RNN/LSTM/GRU
 * node per stacked layer, with the differences handled here: gate blocks reordered (LSTM i,f,g,o →
 * i,o,f,c; GRU r,z,n → z,r,h), biases concatenated [Wb, Rb] per direction, GRU with
 * linear_before_reset=1 (PyTorch's n gate), and Y [T, dirs, N, H] turned back into [T, N, dirs·H].
 * Batch-first runs through Transposes (onnxruntime refuses layout=1). Embedding is Cast + Gather.
 */
import { LeptonError } from '../core/errors.js';
import { attr } from './builder.js';
import { type ExportStep, type LayerExporter } from './export-registry.js';

type RecurrentOp = 'RNN' | 'LSTM' | 'GRU';

interface RecurrentSpec {
  hiddenSize: number;
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  bidirectional?: boolean;
  nonlinearity?: 'tanh' | 'relu';
}

/** ONNX block order, as indices into PyTorch's gate blocks. */
const ONNX_BLOCKS: Readonly<Record<RecurrentOp, readonly number[]>> = { RNN: [0], LSTM: [0, 3, 1, 2], GRU: [1, 0, 2] };

/** Rows of `t` ([G·H, …] or [G·H]) with the gate blocks permuted into ONNX order, written at `out[at…]`. */
function reorderInto(out: Float32Array, at: number, t: { data: Float32Array }, blocks: readonly number[]): void {
  const blk = t.data.length / blocks.length;
  blocks.forEach((b, k) => out.set(t.data.subarray(b * blk, (b + 1) * blk), at + k * blk));
}

function rank3(s: ExportStep, what: string): void {
  if (s.rank !== 3) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `ONNX export: layer ${s.index} (${what}) needs a rank-3 sequence input, got rank ${s.rank}`);
}

export function recurrentExporter(op: RecurrentOp): LayerExporter<RecurrentSpec & { type: string }> {
  return {
    ops: ['Transpose', op, 'Reshape'],
    emit(l, s) {
      rank3(s, op.toLowerCase());
      const g = s.g;
      const H = l.hiddenSize;
      const dirs = l.bidirectional ? 2 : 1;
      const blocks = ONNX_BLOCKS[op];
      const GH = blocks.length * H;
      const name = (what: string) => `${s.prefix}onnx_${what}`;
      const attrs = {
        hidden_size: attr.int(H),
        direction: attr.string(dirs === 2 ? 'bidirectional' : 'forward'),
        ...(op === 'GRU' && { linear_before_reset: attr.int(1) }),
        ...(op === 'RNN' && { activations: attr.strings(Array(dirs).fill(l.nonlinearity === 'relu' ? 'Relu' : 'Tanh') as string[]) }),
      };
      const back = g.initializer(name('y_shape'), { dtype: 'int64', dims: [3], data: [0, 0, -1] });
      let cur = l.batchFirst ? g.node('Transpose', [s.input], { perm: attr.ints([1, 0, 2]) }) : s.input;
      const layers = l.numLayers ?? 1;
      for (let k = 0; k < layers; k++) {
        const sfx = (d: number) => `l${k}${d === 1 ? '_reverse' : ''}`;
        const inF = s.tensor(`weight_ih_${sfx(0)}`).shape[1]!;
        const W = new Float32Array(dirs * GH * inF);
        const R = new Float32Array(dirs * GH * H);
        const B = new Float32Array(dirs * 2 * GH);
        for (let d = 0; d < dirs; d++) {
          reorderInto(W, d * GH * inF, s.tensor(`weight_ih_${sfx(d)}`), blocks);
          reorderInto(R, d * GH * H, s.tensor(`weight_hh_${sfx(d)}`), blocks);
          if (l.bias !== false) {
            reorderInto(B, d * 2 * GH, s.tensor(`bias_ih_${sfx(d)}`), blocks);
            reorderInto(B, d * 2 * GH + GH, s.tensor(`bias_hh_${sfx(d)}`), blocks);
          }
        }
        const inputs = [
          cur,
          g.initializer(name(`W_l${k}`), { dtype: 'float32', dims: [dirs, GH, inF], data: W }),
          g.initializer(name(`R_l${k}`), { dtype: 'float32', dims: [dirs, GH, H], data: R }),
          ...(l.bias !== false ? [g.initializer(name(`B_l${k}`), { dtype: 'float32', dims: [dirs, 2 * GH], data: B })] : []),
        ];
        const y = g.node(op, inputs, attrs); // [T, dirs, N, H]
        const yt = g.node('Transpose', [y], { perm: attr.ints([0, 2, 1, 3]) }); // [T, N, dirs, H]
        const last = k === layers - 1 && !l.batchFirst;
        cur = g.node('Reshape', [yt, back], {}, last ? s.outputs : undefined); // [T, N, dirs·H]
      }
      return l.batchFirst ? g.node('Transpose', [cur], { perm: attr.ints([1, 0, 2]) }, s.outputs) : cur;
    },
  };
}

export const lastStepExporter: LayerExporter<{ type: string; batchFirst?: boolean }> = {
  ops: ['Gather'],
  outRank: (r) => r - 1,
  emit(l, s) {
    rank3(s, 'last_step');
    const idx = s.g.initializer(`${s.prefix}onnx_last_index`, { dtype: 'int64', dims: [], data: [-1] });
    return s.g.node('Gather', [s.input, idx], { axis: attr.int(l.batchFirst === false ? 0 : 1) }, s.outputs);
  },
};

/** The graph input stays float (like every other model's); Cast makes the indices Gather needs. */
export const embeddingExporter: LayerExporter<{ type: string }> = {
  ops: ['Cast', 'Gather'],
  outRank: (r) => r + 1,
  emit(_l, s) {
    const idx = s.g.node('Cast', [s.input], { to: attr.int(7) });
    return s.g.node('Gather', [s.weight('weight'), idx], { axis: attr.int(0) }, s.outputs);
  },
};
