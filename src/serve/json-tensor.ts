/**
 * A JSON reader for prediction bodies that scans nested number arrays straight into a Float32Array
 * (with their dims) instead of letting JSON.parse build JS arrays of boxed numbers. Hand-written
 * because this is the server's hot path; other values are handed to JSON.parse untouched.
 */
import { LeptonError } from '../core/errors.js';

export interface ScannedTensor {
  data: Float32Array;
  dims: number[];
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

function invalidJson(msg: string, at: number): LeptonError {
  return new LeptonError('LEPTON_ERR_INVALID_JSON', `invalid JSON at byte ${at}: ${msg}`);
}

/** Four ASCII digits at `p` (little-endian word `w`) → their value, or -1 when any byte is not a digit. */
function fourDigits(w: number): number {
  // Every byte in 0x30..0x39: its high nibble is 3, and adding 6 keeps it 3.
  if (((w & 0xf0f0f0f0) | (((w + 0x06060606) & 0xf0f0f0f0) >>> 4)) !== 0x33333333) return -1;
  let d = w - 0x30303030; // four bytes 0..9, first digit lowest
  d = (Math.imul(d, 10) + (d >>> 8)) & 0x00ff00ff; // two 2-digit values
  return (Math.imul(d, 100) + (d >>> 16)) & 0x3fff;
}

/**
 * Scratch for the values of the tensor being scanned; parsing is synchronous, so one per process
 * is enough (the result is a copy). Grows to the largest body seen.
 */
let scratch = new Float32Array(1024);

/** A cursor over one JSON body; see parsePredictBody and parseOipBody (oip-body.ts). */
export class Scanner {
  pos = 0;
  private buf = scratch;
  private readonly view: DataView;
  /** Depth at which numbers were found; every number must sit at the same depth. */
  private leafDepth = -1;
  private len = 0;
  constructor(private readonly s: Buffer) {
    this.view = new DataView(s.buffer, s.byteOffset, s.byteLength);
  }

  ws(): void {
    const s = this.s;
    let p = this.pos;
    for (;;) {
      const c = s[p];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  expect(ch: number, what: string): void {
    this.ws();
    if (this.s[this.pos] !== ch) throw invalidJson(`expected ${what}`, this.pos);
    this.pos++;
  }

  private push(v: number): void {
    if (this.len === this.buf.length) {
      const bigger = new Float32Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
      scratch = bigger;
    }
    this.buf[this.len++] = v;
  }

  /**
   * One JSON number, as float32 (what the tensor stores). Up to 18-19 significant digits are gathered
   * into a float64 mantissa (exact up to 2^53, within a few ulps beyond); the float64 estimate is
   * exact when Clinger's fast path applies (mantissa ≤ 2^53, |exp| ≤ 22), and otherwise is used only when
   * it lies so far inside one float32 rounding interval that the correctly rounded float64 (what
   * JSON.parse gives) must round to the same float32. Anything else goes through Number() on the
   * text, so the stored value always equals Math.fround(JSON.parse(text)). Full-precision bodies
   * (Math.random() prints 17 digits) take the estimate path, not the 10x slower Number(string).
   */
  number(): number {
    const s = this.s;
    const start = this.pos;
    let p = start;
    let neg = false;
    if (s[p] === 0x2d) {
      neg = true;
      p++;
    }
    // mant gathers the digits while below 1e18 (exact below 2^53); later digits only move the scale.
    let mant = 0;
    let scale = 0;
    const intStart = p;
    let c = s[p]!;
    while (c >= 0x30 && c <= 0x39) {
      if (mant < 1e18) mant = mant * 10 + (c - 0x30);
      else scale++;
      c = s[++p]!;
    }
    if (p === intStart || (s[intStart] === 0x30 && p - intStart > 1)) throw invalidJson('bad number', start);
    if (c === 0x2e) {
      const fracStart = ++p;
      // Four digits per step while they last (the bulk of a body of fractions).
      const view = this.view;
      const end4 = s.length - 4;
      while (p <= end4 && mant < 1e14) {
        const q = fourDigits(view.getUint32(p, true));
        if (q < 0) break;
        mant = mant * 1e4 + q;
        scale -= 4;
        p += 4;
      }
      c = s[p]!;
      while (c >= 0x30 && c <= 0x39) {
        if (mant < 1e18) {
          mant = mant * 10 + (c - 0x30);
          scale--;
        }
        c = s[++p]!;
      }
      if (p === fracStart) throw invalidJson('bad number', start);
    }
    let exp = 0;
    if (c === 0x65 || c === 0x45) {
      p++;
      let eneg = false;
      if (s[p] === 0x2b || s[p] === 0x2d) eneg = s[p++] === 0x2d;
      const expStart = p;
      while (s[p]! >= 0x30 && s[p]! <= 0x39 && p - expStart < 6) exp = exp * 10 + (s[p++]! - 0x30);
      if (p === expStart || (s[p]! >= 0x30 && s[p]! <= 0x39)) throw invalidJson('bad number', start);
      if (eneg) exp = -exp;
    }
    this.pos = p;
    const e = scale + exp;
    let v: number;
    if (mant < 9007199254740992 && e >= -22 && e <= 22) {
      v = e < 0 ? mant / POW10[-e]! : mant * POW10[e]!;
      return Math.fround(neg ? -v : v);
    }
    if (e >= -44 && e <= 44) {
      v = e < -22 ? mant / 1e22 / POW10[-e - 22]! : e < 0 ? mant / POW10[-e]! : e <= 22 ? mant * POW10[e]! : mant * 1e22 * POW10[e - 22]!;
      const f = Math.fround(v);
      // The estimate is within ~1e-15 (relative) of the exact value: 1e-13 is a wide safety margin.
      if (f !== Infinity && Math.fround(v * (1 - 1e-13)) === f && Math.fround(v * (1 + 1e-13)) === f) return neg ? -f : f;
    }
    return Math.fround(Number(s.toString('latin1', start, p)));
  }

  /** A nested array of numbers → flat data + dims, checking it is rectangular. */
  tensor(field: string): ScannedTensor {
    this.len = 0;
    this.leafDepth = -1;
    const dims: number[] = [];
    this.level(0, dims, field);
    return { data: this.buf.slice(0, this.len), dims };
  }

  private level(depth: number, dims: number[], field: string): void {
    const s = this.s;
    this.expect(0x5b, "'['");
    if (depth > 8) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `'${field}' is nested deeper than 8 levels`);
    let count = 0;
    this.ws();
    if (s[this.pos] === 0x5d) {
      this.pos++;
      this.setDim(dims, depth, 0, field);
      return;
    }
    for (;;) {
      this.ws();
      const c = s[this.pos];
      if (c === 0x5b) {
        if (this.leafDepth !== -1 && this.leafDepth <= depth) throw this.ragged(field);
        this.level(depth + 1, dims, field);
      } else if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
        if (this.leafDepth === -1) this.leafDepth = depth;
        else if (this.leafDepth !== depth) throw this.ragged(field);
        this.leaf(field);
        // The common layout, numbers split by bare commas, in a tight loop (no whitespace scans).
        for (;;) {
          if (s[this.pos] !== 0x2c) break;
          const d = s[this.pos + 1]!;
          if (d !== 0x2d && !(d >= 0x30 && d <= 0x39)) break;
          this.pos++;
          this.leaf(field);
          count++;
        }
      } else if (c === 0x22) {
        throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `'${field}' must hold numbers, found a string at byte ${this.pos}`);
      } else if (c === 0x4e || c === 0x49 || c === 0x2b) {
        throw new LeptonError('LEPTON_ERR_INVALID_JSON', `'${field}' holds NaN/Infinity at byte ${this.pos}; JSON numbers must be finite`);
      } else if (c === 0x7b || c === 0x74 || c === 0x66 || c === 0x6e) {
        throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `'${field}' must hold only numbers and arrays (byte ${this.pos})`);
      } else {
        throw invalidJson('expected a number or an array', this.pos);
      }
      count++;
      this.ws();
      if (s[this.pos] === 0x2c) {
        this.pos++;
        continue;
      }
      if (s[this.pos] === 0x5d) {
        this.pos++;
        break;
      }
      throw invalidJson("expected ',' or ']'", this.pos);
    }
    this.setDim(dims, depth, count, field);
  }

  /** One number of the tensor, which must be a finite float32. */
  private leaf(field: string): void {
    const at = this.pos;
    const f = this.number();
    if (!Number.isFinite(f)) {
      const v = Number(this.s.toString('latin1', at, this.pos));
      throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `'${field}' holds ${v} at byte ${at}, which is not a finite float32`);
    }
    this.push(f);
  }

  private setDim(dims: number[], depth: number, count: number, field: string): void {
    if (dims[depth] === undefined) dims[depth] = count;
    else if (dims[depth] !== count) throw this.ragged(field);
  }

  private ragged(field: string): LeptonError {
    return new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `'${field}' is ragged: every row must have the same length`);
  }

  /** Skip any JSON value and return its source text (for the non-tensor fields). */
  skipValue(): string {
    this.ws();
    const start = this.pos;
    const s = this.s;
    if (s[start] === 0x22) {
      // A bare string ends at its closing quote.
      for (this.pos = start + 1; this.pos < s.length; this.pos++) {
        const c = s[this.pos];
        if (c === 0x5c) this.pos++;
        else if (c === 0x22) {
          this.pos++;
          break;
        }
      }
      return s.toString('utf8', start, this.pos);
    }
    let depth = 0;
    let inStr = false;
    for (; this.pos < s.length; this.pos++) {
      const c = s[this.pos];
      if (inStr) {
        if (c === 0x5c) this.pos++;
        else if (c === 0x22) inStr = false;
        continue;
      }
      if (c === 0x22) inStr = true;
      else if (c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x5d || c === 0x7d) {
        if (depth === 0) break;
        depth--;
      } else if (c === 0x2c && depth === 0) break;
    }
    return s.toString('utf8', start, this.pos);
  }

  string(): string {
    this.ws();
    const start = this.pos;
    this.skipValue();
    let v: unknown;
    try {
      v = JSON.parse(this.s.toString('utf8', start, this.pos));
    } catch {
      v = undefined;
    }
    if (typeof v !== 'string') throw invalidJson('expected a string key', start);
    return v;
  }
}

export interface PredictBody {
  /** Which field held the tensor ('inputs' or 'input_data'), if any. */
  field?: string;
  tensor?: ScannedTensor;
  /** Every other top-level field, parsed normally. */
  rest: Record<string, unknown>;
}

/** Parse a JSON object body; arrays under `tensorFields` are scanned into a Float32Array. */
export function parsePredictBody(body: Buffer, tensorFields: readonly string[] = ['inputs', 'input_data']): PredictBody {
  const sc = new Scanner(body);
  const result: PredictBody = { rest: {} };
  sc.expect(0x7b, "a JSON object '{'");
  sc.ws();
  if (body[sc.pos] === 0x7d) {
    sc.pos++;
  } else {
    for (;;) {
      const key = sc.string();
      sc.expect(0x3a, "':'");
      sc.ws();
      if (tensorFields.includes(key) && body[sc.pos] === 0x5b) {
        if (result.field !== undefined) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `give either '${result.field}' or '${key}', not both`);
        result.field = key;
        result.tensor = sc.tensor(key);
      } else {
        const at = sc.pos;
        const text = sc.skipValue();
        try {
          result.rest[key] = JSON.parse(text);
        } catch {
          throw invalidJson(`bad value for '${key}'`, at);
        }
      }
      sc.ws();
      const c = body[sc.pos];
      sc.pos++;
      if (c === 0x2c) continue;
      if (c === 0x7d) break;
      throw invalidJson("expected ',' or '}'", sc.pos - 1);
    }
  }
  sc.ws();
  if (sc.pos < body.length) throw invalidJson('trailing data after the object', sc.pos);
  return result;
}
