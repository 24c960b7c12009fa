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

class Scanner {
  pos = 0;
  private buf = new Float32Array(1024);
  /** Depth at which numbers were found; every number must sit at the same depth. */
  private leafDepth = -1;
  private len = 0;
  constructor(private readonly s: Buffer) {}

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
    }
    this.buf[this.len++] = v;
  }

  /**
   * One JSON number. Clinger's fast path (≤15 significant digits, |exp| ≤ 22) is exact in float64;
   * anything else goes through Number() on the text, so results always equal JSON.parse's.
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
    let mant = 0;
    let digits = 0;
    let scale = 0;
    const intStart = p;
    while (s[p]! >= 0x30 && s[p]! <= 0x39) {
      mant = mant * 10 + (s[p]! - 0x30);
      if (mant !== 0) digits++;
      p++;
    }
    if (p === intStart || (s[intStart] === 0x30 && p - intStart > 1)) throw invalidJson('bad number', start);
    if (s[p] === 0x2e) {
      p++;
      const fracStart = p;
      while (s[p]! >= 0x30 && s[p]! <= 0x39) {
        mant = mant * 10 + (s[p]! - 0x30);
        if (mant !== 0) digits++;
        scale--;
        p++;
      }
      if (p === fracStart) throw invalidJson('bad number', start);
    }
    let exp = 0;
    if (s[p] === 0x65 || s[p] === 0x45) {
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
    if (digits <= 15 && e >= -22 && e <= 22) v = e < 0 ? mant / POW10[-e]! : mant * POW10[e]!;
    else v = Number(s.toString('latin1', neg ? start + 1 : start, p));
    return neg ? -v : v;
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
        const at = this.pos;
        const v = this.number();
        const f = Math.fround(v);
        if (!Number.isFinite(f)) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `'${field}' holds ${v} at byte ${at}, which is not a finite float32`);
        this.push(f);
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
