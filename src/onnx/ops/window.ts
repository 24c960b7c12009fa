/**
 * The sliding-window attributes Conv, ConvInteger and the pools share (pads, strides, kernel,
 * dilations, auto_pad), read one way for all of them and mapped onto the 2-D tensor kernels.
 */
import { type Conv2dOptions, type Pool2dOptions } from '../../tensor/index.js';
import { attrInt, attrInts, attrString, type AttrNode } from './attributes.js';
import { unsupported } from './types.js';

type Pair = [number, number];

/** Symmetric 2-D padding [top/bottom, left/right]; auto_pad SAME_* is not supported. */
export function pads2d(node: AttrNode): Pair {
  const auto = attrString(node, 'auto_pad', 'NOTSET');
  if (auto !== 'NOTSET' && auto !== 'VALID') throw unsupported(node, `auto_pad=${auto}`);
  const p = attrInts(node, 'pads', [0, 0, 0, 0]);
  if (p.length !== 4 || p[0] !== p[2] || p[1] !== p[3]) throw unsupported(node, `pads [${p.join(', ')}] (only symmetric 2-D pads are)`);
  return [p[0]!, p[1]!];
}

/** ONNX's default stride is 1 along each axis (not the kernel size, as in PyTorch pooling). */
export function strides2d(node: AttrNode): Pair {
  const s = attrInts(node, 'strides', [1, 1]);
  if (s.length !== 2) throw unsupported(node, `strides [${s.join(', ')}] (only 2-D windows are)`);
  return [s[0]!, s[1]!];
}

function noDilation(node: AttrNode): void {
  if (attrInts(node, 'dilations', [1, 1]).some((d) => d !== 1)) throw unsupported(node, 'dilations');
}

/** Conv geometry; the kernel size comes from the weight, so kernel_shape is not needed here. */
export function convOptions(node: AttrNode): Conv2dOptions {
  const groups = attrInt(node, 'group', 1);
  if (groups < 1) throw unsupported(node, `group=${groups}`);
  noDilation(node);
  return { stride: strides2d(node), padding: pads2d(node), groups };
}

/** Pool geometry, floor mode only. */
export function poolOptions(node: AttrNode): Pool2dOptions & { kernel: Pair; padding: Pair } {
  const k = attrInts(node, 'kernel_shape');
  if (k.length !== 2) throw unsupported(node, 'a kernel_shape that is not 2-D');
  noDilation(node);
  if (attrInt(node, 'ceil_mode', 0) !== 0) throw unsupported(node, 'ceil_mode=1');
  return { kernel: [k[0]!, k[1]!], stride: strides2d(node), padding: pads2d(node) };
}
