/**
 * Matrix products: MatMul and Gemm (Y = alpha·A'·B' + beta·C). The common exported form
 * (transB=1, alpha=1, bias [N]) runs as one fused `linear`, which needs no transposed weight copy
 * forward and costs two GEMMs backward.
 */
import { add, linear, matmul, scale, transpose } from '../../tensor/index.js';
import { attrFloat, attrInt } from './attributes.js';
import { f32, need, type OpEntry } from './types.js';

export const MatMul: OpEntry = {
  opType: 'MatMul',
  differentiable: true,
  weightInputs: [1],
  run: (i, n) => [f32(matmul(need(i, 0, n).t, need(i, 1, n).t))],
};

export const Gemm: OpEntry = {
  opType: 'Gemm',
  differentiable: true,
  weightInputs: [1, 2],
  run: (i, n) => {
    const transA = attrInt(n, 'transA', 0) !== 0;
    const transB = attrInt(n, 'transB', 0) !== 0;
    const alpha = attrFloat(n, 'alpha', 1);
    const beta = attrFloat(n, 'beta', 1);
    const A = transA ? transpose(need(i, 0, n).t, [1, 0]) : need(i, 0, n).t;
    const B = need(i, 1, n).t;
    const C = i[2]?.t;
    if (transB && alpha === 1 && B.ndim === 2) {
      const fused = C !== undefined && beta === 1 && C.ndim === 1 && C.shape[0] === B.shape[0];
      const y = linear(A, B, fused ? C : null); // B is [N, K]
      return [f32(C && !fused ? add(y, beta === 1 ? C : scale(C, beta)) : y)];
    }
    let y = matmul(A, transB ? transpose(B, [1, 0]) : B);
    if (alpha !== 1) y = scale(y, alpha);
    if (C) y = add(y, beta === 1 ? C : scale(C, beta));
    return [f32(y)];
  },
};
