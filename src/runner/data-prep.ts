import type { RunConfig } from '../config/schema.js';
import { fetchDataset, loadDataset, type LoadedDataset } from '../data/registry.js';
import { stratifiedSubset } from '../data/subset.js';
import { applyLabelNoise } from '../data/noise.js';
import { augmentBatch } from '../data/augment.js';
import type { TrainerData } from '../train/trainer.js';
import { ConfigError } from '../errors/errors.js';
import { sizeIssues } from '../train/sizes.js';

/** Key of the loaded data a run needs: runs sharing it share one load. */
export function datasetKey(cfg: RunConfig): string {
  return `${cfg.dataset.name}|${cfg.dataset.data_dir ?? ''}`;
}

/** One config per distinct dataset of `configs` (the first that names it). */
function distinctDatasets(configs: RunConfig[]): RunConfig[] {
  const seen = new Map<string, RunConfig>();
  for (const cfg of configs) if (!seen.has(datasetKey(cfg))) seen.set(datasetKey(cfg), cfg);
  return [...seen.values()];
}

/** Loads each distinct dataset of a sweep once. */
export async function loadDatasets(
  configs: RunConfig[],
  opts: { dataDir?: string; download?: boolean } = {},
): Promise<Map<string, LoadedDataset>> {
  const out = new Map<string, LoadedDataset>();
  for (const cfg of distinctDatasets(configs)) {
    out.set(datasetKey(cfg), await loadDataset(cfg.dataset.name, { dataDir: cfg.dataset.data_dir ?? opts.dataDir, download: opts.download }));
  }
  return out;
}

/**
 * Downloads (once each, in this process) whatever files the datasets of `configs` are missing,
 * without loading them. The worker pool calls it before forking, so that workers never fetch
 * the same files at once (two installs racing over one data root, or one's failure cleaning up
 * while the other still downloads).
 */
export async function fetchDatasets(configs: RunConfig[], opts: { dataDir?: string } = {}): Promise<void> {
  for (const cfg of distinctDatasets(configs)) {
    await fetchDataset(cfg.dataset.name, { dataDir: cfg.dataset.data_dir ?? opts.dataDir });
  }
}

/**
 * The data one run trains on: seeded stratified subsets (dataset.seed, shared by all runs),
 * label noise on the training labels only (run seed), augmentation where configured.
 */
export function prepareRunData(cfg: RunConfig, ds: LoadedDataset): TrainerData {
  const d = cfg.dataset;
  const issues = sizeIssues(cfg, { dataset: ds.name, train: ds.train.n, test: ds.test.n, classes: ds.numClasses });
  if (issues.length) throw new ConfigError(`run config of ${cfg.experiment}`, issues);
  let train = d.train_size && d.train_size < ds.train.n ? stratifiedSubset(ds.train, d.train_size, d.seed) : ds.train;
  const test = d.test_size && d.test_size < ds.test.n ? stratifiedSubset(ds.test, d.test_size, d.seed + 1) : ds.test;
  if (d.label_noise > 0) {
    const noisy = applyLabelNoise(train.y, ds.numClasses, d.label_noise, cfg.seed);
    train = { ...train, y: noisy.labels };
  }
  const augment = d.augment ?? ds.name.startsWith('cifar');
  return { train, test, classes: ds.numClasses, augment: augment ? augmentBatch : undefined };
}
