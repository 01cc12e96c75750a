import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Interrupted, runEpochs } from '../../src/train/epoch-loop.js';
import { useBackend } from '../helpers/tf.js';
import { tinyTrainer } from '../helpers/tiny-trainer.js';

const trainerOf = (train: Record<string, unknown>) => tinyTrainer({}, { epochs: 3, ...train });

test('epoch loop: hooks in order (row, snapshot, checkpoint, epoch end), no checkpoint after the last epoch, a resumed loop starts at fromEpoch', async () => {
  await useBackend('wasm');
  const t = trainerOf({ save_every: 2 });
  try {
    const seen: string[] = [];
    let steps = 0;
    const at = { epoch: -1 };
    const end = await runEpochs(t, { fromEpoch: 0, secondsBefore: 5, baseline: null, at }, {
      onStep: () => void steps++,
      onRow: (r) => void seen.push(`row ${r.epoch} step ${r.step}${r.seconds >= 5 ? '' : ' seconds lost'}`),
      onSnapshot: (e) => void seen.push(`snapshot ${e}`),
      onCheckpoint: (e) => void seen.push(`checkpoint ${e}`),
      onEpochEnd: (e) => void seen.push(`end ${e}`),
    });
    assert.deepEqual(end, {});
    assert.equal(steps, 9);
    assert.equal(at.epoch, 4);
    assert.deepEqual(seen, [
      'row 0 step 0', 'snapshot 0', 'checkpoint 0', 'end 0',
      'row 1 step 3', 'checkpoint 1', 'end 1',
      'row 2 step 6', 'snapshot 2', 'checkpoint 2', 'end 2',
      'row 3 step 9', 'end 3',
    ]);
    // Resumed after the epoch-2 checkpoint: only epoch 3, no checkpoint after it.
    const resumed: string[] = [];
    await runEpochs(t, { fromEpoch: 3, secondsBefore: 0, baseline: null }, {
      onRow: (r) => void resumed.push(`row ${r.epoch}`),
      onCheckpoint: (e) => void resumed.push(`checkpoint ${e}`),
      onEpochEnd: (e) => void resumed.push(`end ${e}`),
    });
    assert.deepEqual(resumed, ['row 3', 'end 3']);
  } finally {
    t.dispose();
  }
});

test('epoch loop: stop_train_acc ends the run on a GC measurement; an aborted signal throws Interrupted after the step', async () => {
  await useBackend('wasm');
  const t = trainerOf({ stop_train_acc: 0.01 });
  try {
    const rows: Array<number | null> = [];
    const end = await runEpochs(t, { fromEpoch: 0, secondsBefore: 0, baseline: null }, { onRow: (r) => void rows.push(r.gc) });
    assert.equal(end.stoppedEarly?.epoch, 1);
    assert.equal(rows.length, 2);
    assert.ok(rows[1] !== null, 'GC measured at the early end although gc.every is 2');
  } finally {
    t.dispose();
  }
  const u = trainerOf({});
  try {
    const ac = new AbortController();
    let steps = 0;
    await assert.rejects(
      runEpochs(u, { fromEpoch: 0, secondsBefore: 0, baseline: null, signal: ac.signal }, { onStep: () => { steps++; ac.abort(); } }),
      Interrupted,
    );
    assert.equal(steps, 1);
  } finally {
    u.dispose();
  }
});
