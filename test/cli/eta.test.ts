import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, resumeBanner, SweepClock } from '../../src/cli/eta.js';

test('formatDuration: seconds, minutes, hours', () => {
  assert.deepEqual([0, 42.4, 65, 3599, 3720].map(formatDuration), ['0s', '42s', '1m05s', '59m59s', '1h02m']);
});

test('SweepClock: ETA from the epochs trained so far, runs done before excluded, early stops leave nothing', () => {
  let t = 100;
  const clock = new SweepClock(
    [
      { id: 'a', status: 'done', epochs: 10 },
      { id: 'b', status: 'partial', epoch: 4, epochs: 10 },
      { id: 'c', status: 'pending', epochs: 10 },
    ],
    () => t,
  );
  assert.equal(clock.finishedBefore, 1);
  assert.equal(clock.total, 3);
  assert.equal(clock.sweepEta(), null, 'no rate before any training');
  clock.startRun('b', 10, 5); // resumes after epoch 4
  t += 10;
  clock.epoch('b', 5);
  clock.epoch('b', 6); // 2 epochs in 10 s: 5 s an epoch
  assert.deepEqual(clock.run('b'), { elapsed: 10, eta: 20 }); // 4 epochs left in b
  assert.equal(clock.sweepEta(), (4 + 10) * 5); // and 10 in c
  t += 2.5;
  clock.step('b', 7, 1, 2); // half of epoch 7: 2.5 epochs in 12.5 s
  assert.equal(clock.sweepEta(), (3.5 + 10) * 5);
  clock.endRun('b'); // stopped early (stop rule): nothing left in b
  assert.equal(clock.sweepEta(), 10 * 5);
  assert.equal(clock.run('b').eta, 0);
  assert.match(clock.sweepText(), /^13s, ETA 50s$/);
});

test('resumeBanner: complete count, the run resumed and at which epoch; none for a fresh sweep', () => {
  assert.equal(resumeBanner([{ id: 'lr=0.1-s0-3fa9c1d2', status: 'pending' }]), null);
  const plan = [
    ...Array.from({ length: 4 }, (_, i) => ({ id: `r${i}`, status: 'done' as const })),
    { id: 'lr=0.01-s1-3fa9c1d2', status: 'partial' as const, epoch: 10 },
    { id: 'lr=0.02-s1-3fa9c1d2', status: 'partial' as const, epoch: 3 },
    ...Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, status: 'pending' as const })),
  ];
  assert.equal(resumeBanner(plan), '4 of 12 complete; resuming lr=0.01-s1 at epoch 11 (+1 more partial)');
});
