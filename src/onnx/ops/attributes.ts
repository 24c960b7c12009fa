/**
 * The one reader of ONNX node attributes, for the op table and the graph rewrites alike. An absent
 * attribute takes the caller's default (or is an error when there is none); an attribute of the
 * wrong type is a malformed model, refused with LEPTON_ERR_CORRUPT_FILE rather than read as the default.
 */
import { LeptonError } from '../../core/errors.js';
import { type AttrValue, type TensorInit } from '../builder.js';
import { type ReadAttr } from '../reader.js';

/** An attribute as parsed from bytes (reader) or as written by a rewrite (builder). */
export type AnyAttr = ReadAttr | AttrValue;

/** What the reader needs of a node: parsed OnnxNode and builder NodeSpec both fit. */
export interface AttrNode {
  readonly opType: string;
  readonly name?: string | undefined;
  readonly attrs?: Readonly<Record<string, AnyAttr>> | undefined;
}

type Kind = AnyAttr['type'];

function where(node: AttrNode): string {
  return node.name ? `${node.opType} (${node.name})` : node.opType;
}

function malformed(node: AttrNode, key: string, message: string): LeptonError {
  return new LeptonError('LEPTON_ERR_CORRUPT_FILE', `not a valid ONNX model: attribute '${key}' of ${where(node)} ${message}`, {
    details: { op: node.opType, node: node.name ?? '', attribute: key },
  });
}

/** The attribute's value when present with the expected type; undefined when absent. */
function lookup(node: AttrNode, key: string, kind: Kind): AnyAttr['value'] | undefined {
  const a = node.attrs?.[key];
  if (a === undefined) return undefined;
  if (a.type !== kind) throw malformed(node, key, `must be ${kind}, got ${a.type}`);
  return a.value;
}

/** Absent and no default given: the attribute is required. */
function orDefault<T, D>(node: AttrNode, key: string, v: T | undefined, dflt: [] | [D]): T | D {
  if (v !== undefined) return v;
  if (dflt.length === 0) throw malformed(node, key, 'is required');
  return dflt[0];
}

function checkInt(node: AttrNode, key: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw malformed(node, key, `must be an integer, got ${v}`);
  return v;
}

export function hasAttr(node: AttrNode, key: string): boolean {
  return node.attrs?.[key] !== undefined;
}

export function attrInt(node: AttrNode, key: string): number;
export function attrInt<D>(node: AttrNode, key: string, dflt: D): number | D;
export function attrInt<D>(node: AttrNode, key: string, ...dflt: [] | [D]): number | D {
  const v = lookup(node, key, 'int') as number | undefined;
  return orDefault(node, key, v === undefined ? v : checkInt(node, key, v), dflt);
}

export function attrInts(node: AttrNode, key: string): number[];
export function attrInts<D>(node: AttrNode, key: string, dflt: D): number[] | D;
export function attrInts<D>(node: AttrNode, key: string, ...dflt: [] | [D]): number[] | D {
  const v = lookup(node, key, 'ints') as number[] | undefined;
  if (v) for (const x of v) checkInt(node, key, x);
  return orDefault(node, key, v, dflt);
}

export function attrFloat(node: AttrNode, key: string): number;
export function attrFloat<D>(node: AttrNode, key: string, dflt: D): number | D;
export function attrFloat<D>(node: AttrNode, key: string, ...dflt: [] | [D]): number | D {
  return orDefault(node, key, lookup(node, key, 'float') as number | undefined, dflt);
}

export function attrFloats(node: AttrNode, key: string): number[];
export function attrFloats<D>(node: AttrNode, key: string, dflt: D): number[] | D;
export function attrFloats<D>(node: AttrNode, key: string, ...dflt: [] | [D]): number[] | D {
  return orDefault(node, key, lookup(node, key, 'floats') as number[] | undefined, dflt);
}

export function attrString(node: AttrNode, key: string): string;
export function attrString<D>(node: AttrNode, key: string, dflt: D): string | D;
export function attrString<D>(node: AttrNode, key: string, ...dflt: [] | [D]): string | D {
  return orDefault(node, key, lookup(node, key, 'string') as string | undefined, dflt);
}

export function attrStrings(node: AttrNode, key: string): string[];
export function attrStrings<D>(node: AttrNode, key: string, dflt: D): string[] | D;
export function attrStrings<D>(node: AttrNode, key: string, ...dflt: [] | [D]): string[] | D {
  return orDefault(node, key, lookup(node, key, 'strings') as string[] | undefined, dflt);
}

/** A tensor attribute (e.g. Constant's `value`): decoded when read from bytes, as written when built. */
export function attrTensor(node: AttrNode, key: string): TensorInit;
export function attrTensor<D>(node: AttrNode, key: string, dflt: D): TensorInit | D;
export function attrTensor<D>(node: AttrNode, key: string, ...dflt: [] | [D]): TensorInit | D {
  return orDefault(node, key, lookup(node, key, 'tensor') as TensorInit | undefined, dflt);
}
