import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameRecord, maskedCrc32c, readRecords } from '../../src/results/tensorboard/records.js';

test('masked CRC-32C: the check value of "123456789" (0xE3069283) under TensorFlow\'s mask', () => {
  const crc = 0xe3069283;
  const masked = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
  assert.equal(maskedCrc32c(Buffer.from('123456789')), masked);
});

test('records read back whole; a torn or corrupt tail record is left out', () => {
  const a = frameRecord(Buffer.from('first'));
  const b = frameRecord(Buffer.from('second record'));
  const both = Buffer.concat([a, b]);
  assert.deepEqual(readRecords(both).map((r) => r.data.toString()), ['first', 'second record']);
  assert.equal(readRecords(both).at(-1)!.end, both.length);
  assert.deepEqual(readRecords(both.subarray(0, both.length - 3)).map((r) => r.data.toString()), ['first']);
  const bad = Buffer.from(both);
  bad[a.length + 14] ^= 1;
  assert.deepEqual(readRecords(bad).map((r) => r.data.toString()), ['first']);
});
