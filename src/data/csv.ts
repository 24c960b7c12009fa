/**
 * Numeric CSV tables for the classic-ML tools: a header row, numeric feature columns and a label
 * column (the last one unless named). csv-parse does the quoting rules; this module turns every
 * malformed input into LEPTON_ERR_CSV with the line and column a person needs to fix it.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';

export interface CsvOptions {
  /** Label column name. Default: the last column. `false`: no label, every column is a feature. */
  label?: string | false;
  /** Name used in error messages (readCsv passes the path). */
  source?: string;
}

export interface CsvTable {
  /** All column names, in file order. */
  header: string[];
  /** Feature column names, in file order (header minus the label). */
  featureNames: string[];
  /** Label column name, or null when `label: false`. */
  labelName: string | null;
  /** [n, d] row-major features. */
  X: Float32Array;
  n: number;
  d: number;
  /** [n] raw label cells (trimmed); empty when there is no label column. */
  labels: string[];
  /** [n] labels as numbers; NaN where a label is not numeric. */
  y: Float64Array;
  /** True when every label is numeric (a regression target or numeric classes). */
  yNumeric: boolean;
  /** Distinct labels, sorted (numerically when all numeric); classes[yEncoded[i]] is row i's label. */
  classes: string[];
  /** [n] class index of each row's label. */
  yEncoded: Int32Array;
}

function csvError(source: string, message: string, details?: Record<string, unknown>): LeptonError {
  return new LeptonError('LEPTON_ERR_CSV', `${source}: ${message}`, details ? { details } : {});
}

/** A cell as a finite number, or undefined. Empty cells and words like "NaN" are not numbers. */
function toNumber(cell: string): number | undefined {
  if (cell === '') return undefined;
  const v = Number(cell);
  return Number.isFinite(v) ? v : undefined;
}

/** Parse CSV text (see CsvTable). Errors are LEPTON_ERR_CSV with 1-based line and column numbers. */
export function parseCsv(text: string, opts: CsvOptions = {}): CsvTable {
  const source = opts.source ?? 'csv';
  if (typeof text !== 'string') throw invalidArgument('parseCsv: text must be a string');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` csv-parse returns {record, info} objects; its typings only model string[][].
    const options = { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true };
    records = parse(text, options) as unknown as typeof records;
  } catch (err) {
    throw csvError(source, `malformed CSV: ${(err as Error).message}`);
  }
  const head = records[0];
  if (!head) throw csvError(source, 'the file is empty; expected a header row and data rows');
  const header = head.record;
  if (header.some((h) => h === '')) throw csvError(source, `header (line ${head.info.lines}) has an empty column name`);
  const rows = records.slice(1);
  if (rows.length === 0) throw csvError(source, 'no data rows after the header');

  let labelCol = -1;
  if (opts.label !== false) {
    if (opts.label === undefined) labelCol = header.length - 1;
    else {
      labelCol = header.indexOf(opts.label);
      if (labelCol < 0) {
        throw csvError(source, `label column ${JSON.stringify(opts.label)} not found; columns are: ${header.join(', ')}`);
      }
      if (header.indexOf(opts.label, labelCol + 1) >= 0) {
        throw csvError(source, `label column ${JSON.stringify(opts.label)} appears more than once in the header`);
      }
    }
  }
  const featureCols = header.map((_, i) => i).filter((i) => i !== labelCol);
  const n = rows.length;
  const d = featureCols.length;
  const X = new Float32Array(n * d); // [n, d]
  const labels: string[] = [];
  rows.forEach(({ record, info }, r) => {
    if (record.length !== header.length) {
      throw csvError(source, `line ${info.lines} has ${record.length} fields, the header has ${header.length}`, {
        line: info.lines,
      });
    }
    for (let j = 0; j < d; j++) {
      const col = featureCols[j] as number;
      const v = toNumber(record[col] as string);
      if (v === undefined) {
        throw csvError(
          source,
          `line ${info.lines}, column ${col + 1} (${header[col]}): ${JSON.stringify(record[col])} is not a number`,
          { line: info.lines, column: col + 1 },
        );
      }
      X[r * d + j] = v;
    }
    if (labelCol >= 0) {
      const cell = record[labelCol] as string;
      if (cell === '') {
        throw csvError(source, `line ${info.lines}, column ${labelCol + 1} (${header[labelCol]}): empty label`, {
          line: info.lines,
          column: labelCol + 1,
        });
      }
      labels.push(cell);
    }
  });
  const featureNames = featureCols.map((i) => header[i] as string);
  const labelName = labelCol >= 0 ? (header[labelCol] as string) : null;
  return { header, featureNames, labelName, X, n, d, ...encodeLabels(labels) };
}

/** Numeric view of the labels plus a sorted class list (numeric labels are keyed by value, so "1" = "1.0"). */
function encodeLabels(labels: string[]): Pick<CsvTable, 'labels' | 'y' | 'yNumeric' | 'classes' | 'yEncoded'> {
  const y = Float64Array.from(labels, (s) => toNumber(s) ?? NaN);
  const yNumeric = labels.length > 0 && y.every((v) => !Number.isNaN(v));
  const keys = yNumeric ? Array.from(y, (v) => String(v)) : labels;
  const classes = [...new Set(keys)];
  if (yNumeric) classes.sort((a, b) => Number(a) - Number(b));
  else classes.sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  const yEncoded = Int32Array.from(keys, (k) => index.get(k) as number);
  return { labels, y, yNumeric, classes, yEncoded };
}

/** Read and parse a CSV file. A missing file is LEPTON_ERR_NOT_FOUND. */
export function readCsv(path: string, opts: Omit<CsvOptions, 'source'> = {}): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LeptonError('LEPTON_ERR_NOT_FOUND', `CSV file not found: ${path}`, { cause: err });
    throw new LeptonError('LEPTON_ERR_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseCsv(text, { ...opts, source: path });
}

function quote(cell: string | number): string {
  const s = typeof cell === 'number' ? String(cell) : cell;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text (RFC 4180 quoting, "\n" line ends) for a header and rows of the same width. */
export function toCsv(header: string[], rows: ArrayLike<string | number>[]): string {
  const lines = [header.map(quote).join(',')];
  rows.forEach((row, i) => {
    if (row.length !== header.length) {
      throw invalidArgument(`toCsv: row ${i} has ${row.length} cells, the header has ${header.length}`);
    }
    lines.push(Array.from(row, quote).join(','));
  });
  return `${lines.join('\n')}\n`;
}

/** Write a CSV file atomically (see toCsv). */
export function writeCsv(path: string, header: string[], rows: ArrayLike<string | number>[]): void {
  writeFileAtomic(path, toCsv(header, rows));
}
