// CSV tables: the happy path (features, label column, class encoding, quoting) and every bad case
// the ML CLI must turn into a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv, readCsv, toCsv, writeCsv } from './csv.js';
import { LeptonError } from '../core/errors.js';

const csvErr = (re: RegExp) => (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_CSV' && re.test(e.message);

test('label is the last column by default; string classes are sorted and encoded', () => {
  const t = parseCsv('a,b,species\n1,2.5,setosa\n-3,4e1,virginica\n\n0.5, 6 ,setosa\n');
  assert.deepEqual(t.header, ['a', 'b', 'species']);
  assert.deepEqual(t.featureNames, ['a', 'b']);
  assert.equal(t.labelName, 'species');
  assert.equal(t.n, 3);
  assert.equal(t.d, 2);
  assert.deepEqual(Array.from(t.X), [1, 2.5, -3, 40, 0.5, 6]);
  assert.deepEqual(t.labels, ['setosa', 'virginica', 'setosa']);
  assert.deepEqual(t.classes, ['setosa', 'virginica']);
  assert.deepEqual(Array.from(t.yEncoded), [0, 1, 0]);
  assert.equal(t.yNumeric, false);
  assert.ok(Number.isNaN(t.y[0]));
});

test('a named label column in the middle; numeric labels sort by value', () => {
  const t = parseCsv('\uFEFFx1,target,x2\n1,10,2\n3,2,4\n5,10.0,6\n', { label: 'target' });
  assert.deepEqual(t.featureNames, ['x1', 'x2']);
  assert.deepEqual(Array.from(t.X), [1, 2, 3, 4, 5, 6]);
  assert.equal(t.yNumeric, true);
  assert.deepEqual(Array.from(t.y), [10, 2, 10]);
  assert.deepEqual(t.classes, ['2', '10']);
  assert.deepEqual(Array.from(t.yEncoded), [1, 0, 1]);
});

test('label: false reads every column as a feature', () => {
  const t = parseCsv('s0,s1\n0.1,0.9\n0.8,0.2\n', { label: false });
  assert.equal(t.labelName, null);
  assert.equal(t.d, 2);
  assert.deepEqual(t.labels, []);
});

test('bad CSVs give LEPTON_ERR_CSV with line and column', () => {
  assert.throws(() => parseCsv(''), csvErr(/empty/));
  assert.throws(() => parseCsv('\n\n'), csvErr(/empty/));
  assert.throws(() => parseCsv('a,b\n'), csvErr(/no data rows/));
  assert.throws(() => parseCsv('a,b,y\n1,2,0\n3,4\n'), csvErr(/line 3 has 2 fields, the header has 3/));
  assert.throws(() => parseCsv('a,b,y\n1,2,0\n3,4,1,9\n'), csvErr(/line 3 has 4 fields/));
  assert.throws(() => parseCsv('a,b,y\n1,2,0\n3,cat,1\n'), csvErr(/line 3, column 2 \(b\): "cat" is not a number/));
  assert.throws(() => parseCsv('a,b,y\n1,,0\n'), csvErr(/line 2, column 2 \(b\)/));
  assert.throws(() => parseCsv('a,b,y\nNaN,1,0\n'), csvErr(/line 2, column 1/));
  assert.throws(() => parseCsv('a,b,y\n1,2,\n'), csvErr(/line 2, column 3 \(y\): empty label/));
  assert.throws(() => parseCsv('a,b,y\n1,2,0\n', { label: 'class' }), csvErr(/label column "class" not found; columns are: a, b, y/));
  assert.throws(() => parseCsv('a,"b\n1,2\n'), csvErr(/malformed CSV/));
  assert.throws(() => parseCsv('a,,y\n1,2,0\n'), csvErr(/empty column name/));
});

test('writeCsv quotes what needs quoting and reads back identically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lepton-csv-'));
  try {
    const p = join(dir, 'out.csv');
    writeCsv(p, ['x', 'y,z', 'label'], [[1.5, -2, 'a "quoted", value'], [0, 3, 'plain']]);
    assert.equal(readFileSync(p, 'utf8').split('\n')[0], 'x,"y,z",label');
    const t = readCsv(p);
    assert.deepEqual(t.header, ['x', 'y,z', 'label']);
    assert.deepEqual(t.labels, ['a "quoted", value', 'plain']);
    assert.deepEqual(Array.from(t.X), [1.5, -2, 0, 3]);
    assert.throws(() => readCsv(join(dir, 'missing.csv')), (e) => e instanceof LeptonError && e.code === 'LEPTON_ERR_NOT_FOUND');
    assert.throws(() => toCsv(['a'], [[1, 2]]), (e) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
