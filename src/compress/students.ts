/**
 * Student architectures for distillation, emitted directly as ONNX graphs with seeded He-initialised
 * weights: `mlp-64`, `mlp-128-64` (hidden sizes), `cnn-8-16` (3×3 conv channels, each followed by
 * ReLU and 2×2 max-pool, then one Gemm) and `mobilenet-mini[-W]` (student-mobilenet.ts, width
 * multiplier W, default 1). The graph is then trained by GraphProgram.
 */
import { invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { GraphBuilder, attr, type Dim } from '../onnx/builder.js';
import { emitMobilenetFeatures } from './student-mobilenet.js';

export interface StudentSpec {
  kind: 'mlp' | 'cnn' | 'mobilenet-mini';
  /** Hidden sizes (mlp) or conv channels (cnn); [widthMult] for mobilenet-mini. */
  sizes: number[];
}

/** Parse `mlp-64`, `mlp-128-64`, `cnn-8-16`, `mobilenet-mini`, `mobilenet-mini-0.5`. */
export function parseStudent(text: string): StudentSpec {
  const mb = /^mobilenet-mini(?:-(\d*\.?\d+))?$/.exec(text);
  if (mb) {
    const width = mb[1] === undefined ? 1 : Number(mb[1]);
    if (!(width > 0 && width <= 4)) throw invalidArgument(`student '${text}': width multiplier must be in (0, 4]`);
    return { kind: 'mobilenet-mini', sizes: [width] };
  }
  const m = /^(mlp|cnn)((?:-\d+)+)$/.exec(text);
  const sizes = m ? m[2]!.slice(1).split('-').map(Number) : [];
  if (!m || sizes.some((s) => !(s >= 1 && s <= 4096)) || sizes.length > 4) {
    throw invalidArgument(`unknown student '${text}'; use mlp-H[-H2…] (e.g. mlp-64), cnn-C1[-C2] (e.g. cnn-8-16), sizes 1..4096, or mobilenet-mini[-W] (e.g. mobilenet-mini-0.5)`);
  }
  return { kind: m[1] as 'mlp' | 'cnn', sizes };
}

/** The canonical spelling of a student: parseStudent(studentName(s)) gives s back. */
export function studentName(s: StudentSpec): string {
  if (s.kind === 'mobilenet-mini') return s.sizes[0] === 1 ? 'mobilenet-mini' : `mobilenet-mini-${s.sizes[0]}`;
  return `${s.kind}-${s.sizes.join('-')}`;
}

export interface StudentInput {
  name: string;
  /** Declared input shape of the teacher, e.g. ['N', 784] or ['N', 1, 28, 28]. */
  shape: Dim[];
  /** Sample shape [c, h, w]. */
  sample: [number, number, number];
  classes: number;
  outputName: string;
}

function he(rng: Rng, n: number, fanIn: number): Float32Array {
  const w = new Float32Array(n);
  const std = Math.sqrt(2 / fanIn);
  for (let i = 0; i < n; i++) w[i] = rng.normal(0, std);
  return w;
}

/** Build the untrained student as ONNX bytes with the teacher's input and output names. */
export function buildStudent(s: StudentSpec, io: StudentInput, seed = 3): Uint8Array {
  const rng = new Rng(seed);
  const g = new GraphBuilder({ graphName: `student-${s.kind}`, opset: 13 });
  const [c, h, w] = io.sample;
  let x = g.input(io.name, 'float32', io.shape);
  let width: number;
  if (s.kind === 'mlp') {
    if (io.shape.length !== 2) x = g.node('Flatten', [x], { axis: attr.int(1) });
    width = c * h * w;
  } else if (s.kind === 'mobilenet-mini') {
    if (io.shape.length !== 4) x = g.node('Reshape', [x, g.initializer('student_shape', { dtype: 'int64', dims: [4], data: [-1, c, h, w] })]);
    const f = emitMobilenetFeatures(g, rng, x, s.sizes[0]!, c);
    x = f.out;
    width = f.width;
  } else {
    if (io.shape.length !== 4) x = g.node('Reshape', [x, g.initializer('student_shape', { dtype: 'int64', dims: [4], data: [-1, c, h, w] })]);
    let ch = c;
    let [hh, ww] = [h, w];
    s.sizes.forEach((out, i) => {
      const wt = g.initializer(`conv${i}_w`, { dtype: 'float32', dims: [out, ch, 3, 3], data: he(rng, out * ch * 9, ch * 9) });
      const b = g.initializer(`conv${i}_b`, { dtype: 'float32', dims: [out], data: new Float32Array(out) });
      x = g.node('Conv', [x, wt, b], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) });
      x = g.node('Relu', [x]);
      x = g.node('MaxPool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
      ch = out;
      hh = Math.floor(hh / 2);
      ww = Math.floor(ww / 2);
    });
    x = g.node('Flatten', [x], { axis: attr.int(1) });
    width = ch * hh * ww;
  }
  const hidden = s.kind === 'mlp' ? s.sizes : [];
  [...hidden, io.classes].forEach((out, i) => {
    const wt = g.initializer(`fc${i}_w`, { dtype: 'float32', dims: [out, width], data: he(rng, out * width, width) });
    const b = g.initializer(`fc${i}_b`, { dtype: 'float32', dims: [out], data: new Float32Array(out) });
    x = g.node('Gemm', [x, wt, b], { transB: attr.int(1) });
    if (i < hidden.length) x = g.node('Relu', [x]);
    width = out;
  });
  g.node('Identity', [x], {}, [io.outputName]);
  g.output(io.outputName, 'float32', ['N', io.classes]);
  return g.toBytes();
}
