import { RunConfigSchema } from '../../src/config/schema.js';
import type { Split } from '../../src/data/split.js';
import { buildModel } from '../../src/models/build.js';
import { Rng } from '../../src/rng/rng.js';
import { Trainer } from '../../src/train/trainer.js';

/** n seeded uniform 4x4x1 examples of 3 classes (labels i mod 3). */
export function synthetic(n: number, seed: number): Split {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  const x = Float32Array.from({ length: n * 16 }, () => rng.uniform());
  return { x, y, n, shape: [4, 4, 1] };
}

/** A Trainer of a [6]-mlp on 30 synthetic training / 12 test examples; `extra` overrides config blocks, `train` the train block. */
export function tinyTrainer(extra: Record<string, unknown> = {}, train: Record<string, unknown> = {}): Trainer {
  const cfg = RunConfigSchema.parse({
    experiment: 'tiny',
    model: { arch: 'mlp', widths: [6] },
    optimizer: { lr: 0.1 },
    train: { batch_size: 10, epochs: 4, ...train },
    gc: { examples: 12, batch_size: 6, every: 2 },
    ...extra,
  });
  return new Trainer(cfg, buildModel(cfg.model, [4, 4, 1], 3, 0), { train: synthetic(30, 1), test: synthetic(12, 2), classes: 3 });
}
