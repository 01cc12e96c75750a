import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../src/report/csv.js';
import { parseMetrics } from '../../src/report/read-run.js';
import { DataError } from '../../src/errors/errors.js';
import { HEADER } from '../helpers/report-fixtures.js';

test('parses quoted fields, escaped quotes, empty cells and CRLF', () => {
  const t = parseCsv('a,b,c\r\n1,"x, ""y""",\r\n"",2,3\r\n', 'f.csv');
  assert.deepEqual(t.header, ['a', 'b', 'c']);
  assert.deepEqual(t.rows, [['1', 'x, "y"', ''], ['', '2', '3']]);
  assert.deepEqual(t.lines, [2, 3]);
  assert.equal(t.terminated, true);
});

test('reports a missing final newline and multi-line quoted fields', () => {
  const t = parseCsv('a,b\n"1\n2",3', 'f.csv');
  assert.deepEqual(t.rows, [['1\n2', '3']]);
  assert.equal(t.terminated, false);
  assert.deepEqual(parseCsv('', 'f.csv'), { header: [], rows: [], lines: [], terminated: true });
});

test('rejects stray and unterminated quotes, naming the file and line', () => {
  assert.throws(() => parseCsv('a,b\n1,x"y\n', 'm.csv'), /m\.csv: line 2: unexpected '"'/);
  assert.throws(() => parseCsv('a,b\n1,"xy\n', 'm.csv'), /m\.csv: line 2: unterminated quoted field/);
  assert.throws(() => parseCsv('a,b\n1,"x"y\n', 'm.csv'), /expected ',' or end of line/);
});

test('metrics: empty cells are null, non-finite values kept, numbers strict', () => {
  const { rows } = parseMetrics(`${HEADER}\n0,0,0.1,,,2.3,0.1,5,1,0\n1,10,0.1,NaN,0.5,2,0.2,,1,0.5\n`, 'm.csv');
  assert.equal(rows.length, 2);
  assert.equal(rows[0].train_loss, null);
  assert.equal(rows[0].gc, 5);
  assert.ok(Number.isNaN(rows[1].train_loss));
  assert.equal(rows[1].gc, null);
  assert.throws(() => parseMetrics(`${HEADER}\n0,0,0.1,,,2.3,abc,5,1,0\n`, 'm.csv'), /m\.csv: line 2, column 'test_acc': expected a number/);
});

test('metrics: bad header, wrong field count and torn tail', () => {
  assert.throws(
    () => parseMetrics('epoch,step,loss\n0,0,1\n', 'm.csv'),
    (e: unknown) => e instanceof DataError && /m\.csv: header lacks column\(s\) lr, train_loss/.test(e.message),
  );
  assert.throws(() => parseMetrics(`${HEADER},${'gc'}\n`, 'm.csv'), /repeats column 'gc'/);
  assert.throws(() => parseMetrics(`${HEADER}\n0,0,1\n`, 'm.csv'), /line 2: expected 10 fields as in the header, got 3/);
  assert.throws(() => parseMetrics('', 'm.csv'), /empty file/);
  const torn = `${HEADER}\n0,0,0.1,,,2.3,0.1,5,1,0\n1,10,0.1`;
  assert.throws(() => parseMetrics(torn, 'm.csv'), /expected 10 fields/);
  assert.equal(parseMetrics(torn, 'm.csv', { allowEmpty: true, allowTornTail: true }).rows.length, 1);
  assert.equal(parseMetrics('', 'm.csv', { allowEmpty: true, allowTornTail: false }).rows.length, 0);
});
