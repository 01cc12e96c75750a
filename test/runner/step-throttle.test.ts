import { test } from 'node:test';
import assert from 'node:assert/strict';
import { throttleSteps } from '../../src/runner/step-throttle.js';
import type { StepProgress } from '../../src/train/trainer.js';

test('throttleSteps: first and last batch of each epoch always, otherwise at most one per interval', () => {
  let t = 0;
  const got: string[] = [];
  const on = throttleSteps((p) => got.push(`${p.epoch}.${p.batch}`), 100, () => t);
  const step = (epoch: number, batch: number, dt: number) => {
    t += dt;
    on({ epoch, batch, batches: 10, loss: 1 } satisfies StepProgress);
  };
  step(1, 1, 0); // first batch: sent
  step(1, 2, 30); // 30 ms later: dropped
  step(1, 3, 30); // 60 ms: dropped
  step(1, 4, 50); // 110 ms after the last sent: sent
  for (let b = 5; b <= 9; b++) step(1, b, 10); // dropped
  step(1, 10, 1); // last batch: sent
  step(2, 1, 1); // next epoch's first: sent
  step(2, 2, 1);
  assert.deepEqual(got, ['1.1', '1.4', '1.10', '2.1']);
});
