/**
 * The knobs of the paper's sweeps (Dherin et al., NeurIPS 2022), once: the config key each one
 * sets, the values flag mode sweeps by default (src/cli/quick.ts), and the direction the paper
 * expects final GC to move as the knob grows (the reproduction table, src/report/repro.ts).
 */
export interface PaperKnob {
  /** Dotted config key. */
  key: string;
  /** Default sweep values. Penalty strengths start at 0 (the unregularised baseline) and cover
   * roughly two decades; they are starting points, not tuned values. */
  values: number[];
  what: string;
  /** Expected sign of d(final GC)/d(knob): +1 GC grows with the knob, −1 it falls. */
  expected: 1 | -1;
}

/** By flag-mode name (`gc-run --reg NAME`). */
export const PAPER_KNOBS: Readonly<Record<string, PaperKnob>> = {
  'weight-decay': { key: 'regularizers.weight_decay', values: [0, 1e-4, 5e-4, 1e-3, 5e-3], what: 'L2 penalty λ', expected: -1 },
  spectral: { key: 'regularizers.spectral', values: [0, 1e-3, 1e-2, 1e-1], what: 'spectral-norm penalty λ', expected: -1 },
  flatness: { key: 'regularizers.flatness', values: [0, 1e-3, 1e-2, 1e-1], what: 'flatness (gradient-norm) penalty λ', expected: -1 },
  gc: { key: 'regularizers.gc', values: [0, 1e-4, 1e-3, 1e-2], what: 'explicit GC penalty λ', expected: -1 },
  'label-noise': { key: 'dataset.label_noise', values: [0, 0.1, 0.2, 0.4], what: 'fraction of random training labels', expected: -1 },
  'init-scale': { key: 'model.init.scale', values: [0.25, 0.5, 1, 1.5, 2], what: 'initial weight scale', expected: 1 },
  lr: { key: 'optimizer.lr', values: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2], what: 'SGD learning rate', expected: -1 },
  'batch-size': { key: 'train.batch_size', values: [16, 32, 64, 128, 256, 512], what: 'mini-batch size', expected: 1 },
};
