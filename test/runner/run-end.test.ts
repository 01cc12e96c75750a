import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlannedRun } from '../../src/config/sweep.js';
import { describeEnd } from '../../src/runner/run-end.js';
import { tempDir } from '../helpers/tmp.js';

const run = (train: Record<string, unknown>) => ({ id: 'r', config: { train: { epochs: 80, ...train } } }) as unknown as PlannedRun;

test('describeEnd: why a run ended before its last epoch (stop rule, flow time, divergence), read from run.json', () => {
  const { dir, cleanup } = tempDir();
  try {
    const rec = (extra: object) => writeFileSync(join(dir, 'run.json'), JSON.stringify({ id: 'r', experiment: 'e', seed: 0, status: 'complete', ...extra }));
    rec({ stopped_early: { epoch: 21, train_acc: 0.99125 } });
    assert.equal(describeEnd({ id: 'r', status: 'complete', dir }, run({ stop_train_acc: 0.99 })), 'complete: stopped at epoch 21 of 80, train_acc 0.9912 >= stop_train_acc 0.99');
    rec({ flow_time_reached: { epoch: 12, step: 1200, flow_time: 6 } });
    assert.equal(describeEnd({ id: 'r', status: 'complete', dir }, run({ flow_time: 6 })), 'complete: flow time 6 reached at epoch 12 of 80 (step 1200)');
    rec({});
    assert.equal(describeEnd({ id: 'r', status: 'complete', dir }, run({})), 'complete');
    assert.equal(
      describeEnd({ id: 'r', status: 'diverged', dir, error: { epoch: 5, message: 'non-finite training loss' } }, run({})),
      'diverged at epoch 5: non-finite training loss',
    );
    assert.equal(describeEnd({ id: 'r', status: 'interrupted', dir }, run({})), 'interrupted');
  } finally {
    cleanup();
  }
});
