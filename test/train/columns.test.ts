import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as declared from '../../src/results/columns.js';
import { METRICS_BASE_COLUMNS } from '../../src/results/run-folder.js';
import { whenOf } from '../../src/train/columns/index.js';
import { useBackend } from '../helpers/tf.js';
import { tinyTrainer } from '../helpers/tiny-trainer.js';

const trainerOf = (extra: Record<string, unknown>) => tinyTrainer(extra);

test('column groups: every column is declared in results/columns.ts, the header is the contract\'s base columns then the groups\' own, in the order metrics.csv has always had', async () => {
  await useBackend('wasm');
  const names = new Set(Object.values(declared).filter(Array.isArray).flat());
  const plain = trainerOf({});
  const all = trainerOf({ optimizer: { name: 'polyak', lr_max: 0.3 }, metrics: { neural_collapse: true, nc_examples: 15 } });
  try {
    for (const t of [plain, all]) {
      for (const g of t.groups) {
        for (const c of g.columns) assert.ok(names.has(c), `${c} declared`);
        for (const c of g.ofModel) assert.ok(g.columns.includes(c), `${c}: ofModel names the group's own columns`);
      }
      const cols: string[] = t.groups.flatMap((g) => g.columns);
      assert.equal(new Set(cols).size, cols.length, 'no column in two groups');
      for (const c of METRICS_BASE_COLUMNS) assert.ok(['epoch', 'step', 'seconds'].includes(c) || cols.includes(c), `base column ${c} has a group`);
    }
    const base = 'epoch,step,lr,train_loss,train_acc,test_loss,test_acc,gc,weight_norm_sq,seconds,gc_seconds,margin_mean,margin_abs_mean,gc_margin,logit_sq,l2_penalty,spectral_penalty,flatness_penalty,gc_penalty,spectral_max,spectral_sum';
    assert.equal(plain.columns.join(','), base);
    assert.equal(all.columns.join(','), `${base},cdnv,embedding_gc,step_size_mean,step_size_min,step_size_max`);
  } finally {
    plain.dispose();
    all.dispose();
  }
});

test('column groups: each fills its columns exactly when it declares (every epoch, gc epochs, trained epochs)', async () => {
  await useBackend('wasm');
  const t = trainerOf({ optimizer: { name: 'polyak', lr_max: 0.3 }, regularizers: { weight_decay: 0.01 }, metrics: { neural_collapse: true, nc_examples: 15 } });
  try {
    for (let epoch = 0; epoch <= 3; epoch++) {
      const train = epoch === 0 ? null : await t.trainEpoch();
      const row = await t.measure(false, train);
      const gcDue = t.measuresGcAt(epoch);
      for (const g of t.groups) {
        for (const c of g.columns) {
          const when = whenOf(g, c);
          const due = when === 'every epoch' || (when === 'gc epochs' && gcDue) || (when === 'trained epochs' && epoch > 0);
          // Penalties of a zero λ stay empty on every epoch.
          const expectNull = !due || ['spectral_penalty', 'flatness_penalty', 'gc_penalty'].includes(c);
          const v = (row as Record<string, number | null | undefined>)[c];
          assert.equal(v === null || v === undefined, expectNull, `epoch ${epoch}: ${c} (${when})`);
        }
      }
      assert.equal(row.lr, 0.3, 'polyak: lr is the cap lr_max');
    }
  } finally {
    t.dispose();
  }
});
