/**
 * Registry entries of the recurrent layers `rnn`, `lstm`, `gru` (PyTorch's nn.RNN/LSTM/GRU
 * arguments) and `last_step`, which picks a sequence's final output for a classifier head.
 */
import { invalidArgument } from '../../core/errors.js';
import { RNN, LSTM, GRU, LastStep } from '../recurrent.js';
import { defineLayer, field, type BuildContext, type Field } from '../layer-def.js';

const nonlinearity: Field<'tanh' | 'relu', true> = {
  optional: true,
  read(v, where) {
    if (v !== 'tanh' && v !== 'relu') throw invalidArgument(`layer spec: ${where} must be "tanh" or "relu", got ${JSON.stringify(v)}`);
    return v;
  },
};

const common = {
  inputSize: field.number,
  hiddenSize: field.number,
  numLayers: field.optionalNumber,
  bias: field.optionalBoolean,
  batchFirst: field.optionalBoolean,
  dropout: field.optionalNumber,
  bidirectional: field.optionalBoolean,
};

interface CommonSpec {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
}

const options = (s: CommonSpec, ctx: BuildContext) => ({
  rng: ctx.rng,
  ...(s.numLayers !== undefined && { numLayers: s.numLayers }),
  ...(s.bias !== undefined && { bias: s.bias }),
  ...(s.batchFirst !== undefined && { batchFirst: s.batchFirst }),
  ...(s.dropout !== undefined && { dropout: s.dropout }),
  ...(s.bidirectional !== undefined && { bidirectional: s.bidirectional }),
});

export const rnnLayer = defineLayer({
  type: 'rnn',
  fields: { ...common, nonlinearity },
  example: { spec: { type: 'rnn', inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true, nonlinearity: 'relu' }, inputShape: [5, 3] },
  build: (s, ctx) => new RNN(s.inputSize, s.hiddenSize, { ...options(s, ctx), ...(s.nonlinearity && { nonlinearity: s.nonlinearity }) }),
});

export const lstmLayer = defineLayer({
  type: 'lstm',
  fields: { ...common, forgetBias: field.optionalNumber },
  example: { spec: { type: 'lstm', inputSize: 3, hiddenSize: 4, batchFirst: true, bidirectional: true }, inputShape: [5, 3] },
  build: (s, ctx) => new LSTM(s.inputSize, s.hiddenSize, { ...options(s, ctx), ...(s.forgetBias !== undefined && { forgetBias: s.forgetBias }) }),
});

export const gruLayer = defineLayer({
  type: 'gru',
  fields: common,
  example: { spec: { type: 'gru', inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true }, inputShape: [5, 3] },
  build: (s, ctx) => new GRU(s.inputSize, s.hiddenSize, options(s, ctx)),
});

export const lastStepLayer = defineLayer({
  type: 'last_step',
  fields: { batchFirst: field.optionalBoolean },
  example: { spec: { type: 'last_step' }, inputShape: [4, 3] },
  build: (s) => new LastStep(s.batchFirst ?? true),
});
