/**
 * `distill:<student>`: train a small student (students.ts) on the teacher's logits and the labels
 * (distill-loss.ts), through the ONNX graph; the student keeps the teacher's input and output names.
 */
import { invalidArgument } from '../../core/errors.js';
import { noProgress } from '../../core/progress.js';
import { sampleSize } from '../../data/index.js';
import { readModel } from '../../onnx/reader.js';
import { fitGraph } from '../fit.js';
import { GraphProgram } from '../graph-program.js';
import { predictAll } from '../predict.js';
import { buildStudent, parseStudent, studentName, type StudentSpec } from '../students.js';
import { defineMethod, type Variant, type VariantInput } from './method.js';

const EPOCHS = { role: 'student', default: 5 } as const;

export const distill = defineMethod({
  kind: 'distill',
  usage: 'distill:<mlp-64|cnn-8-16|mobilenet-mini[-W]…>',
  help: 'train a small MLP (hidden sizes), CNN (conv channels) or MobileNetV2-style net (width W) on the teacher’s outputs',
  epochs: EPOCHS,
  examples: ['distill:mlp-64', 'distill:mlp-128-64', 'distill:cnn-8-16', 'distill:mobilenet-mini-0.5'],
  parse: (arg) => parseStudent(arg ?? ''),
  format: studentName,
  build: (student, o) => distillStudent(student, o),
});

async function distillStudent(spec: StudentSpec, o: VariantInput): Promise<Variant> {
  const student = studentName(spec);
  const teacherModel = readModel(o.model);
  const input = teacherModel.graph.inputs[0]!;
  const session = await o.engine.load(o.model);
  let teacher: { logits: Float32Array; classes: number };
  try {
    teacher = await predictAll(session, o.train);
  } finally {
    await session.close();
  }
  const [c, h, w] = o.train.shape;
  if (input.shape.length !== 2 && input.shape.length !== 4) throw invalidArgument(`distill: teacher input '${input.name}' has rank ${input.shape.length}; expected 2 or 4`);
  if (sampleSize(o.train) !== c * h * w) throw invalidArgument('distill: dataset sample size does not match');
  const io = { name: input.name, shape: input.shape, sample: [c, h, w] as [number, number, number], classes: teacher.classes, outputName: teacherModel.graph.outputs[0]!.name };
  const p = new GraphProgram(buildStudent(spec, io, o.seed ?? 3));
  const temperature = o.temperature ?? 4;
  const alpha = o.alpha ?? 0.7;
  const epochs = o.epochs ?? EPOCHS.default;
  const progress = o.progress ?? noProgress;
  const loss = fitGraph(p, o.train, { epochs, lr: o.lr ?? 2e-3, teacherLogits: teacher.logits, temperature, alpha, seed: o.seed ?? 1, progress });
  return { bytes: p.toBytes({ 'lepton.compress': `distill:${student}` }), details: { student, temperature, alpha, epochs, finalLoss: loss } };
}
