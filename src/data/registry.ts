/**
 * Public data API: dataset metadata and loadDataset/fetchDataset. Nothing is cached in module
 * state; every call reads (and verifies) the files again.
 */
import { access, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UsageError } from '../errors/errors.js';
import {
  CIFAR100_COARSE_FORMAT,
  CIFAR100_FINE_FORMAT,
  CIFAR10_FORMAT,
  decodeCifar,
  readLabelNames,
  type CifarFormat,
} from './cifar.js';
import { installSources, manualInstallHint, type ProgressFn } from './download.js';
import { idxToSplit, maybeGunzip, parseIdx } from './idx.js';
import { checkSha256, sha256Hex } from './integrity.js';
import { CIFAR100_MEAN, CIFAR100_STD, CIFAR10_MEAN, CIFAR10_STD, normalizePerChannel } from './normalize.js';
import { dataRootIsExplicit, resolveDataRoot, shippedDataRoot } from './paths.js';
import * as S from './sources.js';
import type { Split } from './split.js';

export type DatasetName = 'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100';

/** Static description of a dataset. File paths are relative to <data root>/<name>/. */
export interface DatasetInfo {
  name: DatasetName;
  numClasses: number;
  shape: [number, number, number];
  trainSize: number;
  testSize: number;
  /** Downloadable files with their URLs and SHA-256 checksums. */
  sources: S.SourceFile[];
  format:
    | { kind: 'idx'; train: { images: string; labels: string }; test: { images: string; labels: string } }
    | { kind: 'cifar'; train: string[]; test: string[]; mean: readonly number[]; std: readonly number[]; names?: string };
  classNames?: string[];
}

const IDX_FILES = {
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
};

export const DATASETS: Record<DatasetName, DatasetInfo> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    numClasses: 10,
    shape: [28, 28, 1],
    trainSize: 60000,
    testSize: 10000,
    sources: S.FASHION_MNIST_SOURCES,
    format: { kind: 'idx', ...IDX_FILES },
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
  mnist: {
    name: 'mnist',
    numClasses: 10,
    shape: [28, 28, 1],
    trainSize: 60000,
    testSize: 10000,
    sources: S.MNIST_SOURCES,
    format: { kind: 'idx', ...IDX_FILES },
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  },
  cifar10: {
    name: 'cifar10',
    numClasses: 10,
    shape: [32, 32, 3],
    trainSize: 50000,
    testSize: 10000,
    sources: S.CIFAR10_SOURCES,
    format: { kind: 'cifar', train: S.CIFAR10_TRAIN_FILES, test: S.CIFAR10_TEST_FILES, mean: CIFAR10_MEAN, std: CIFAR10_STD },
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  },
  cifar100: {
    name: 'cifar100',
    numClasses: 100,
    shape: [32, 32, 3],
    trainSize: 50000,
    testSize: 10000,
    sources: S.CIFAR100_SOURCES,
    format: {
      kind: 'cifar',
      train: S.CIFAR100_TRAIN_FILES,
      test: S.CIFAR100_TEST_FILES,
      mean: CIFAR100_MEAN,
      std: CIFAR100_STD,
      names: `${S.CIFAR100_DIR}/fine_label_names.txt`,
    },
  },
};

export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];

/** Narrows a user string to a DatasetName; UsageError listing the known names otherwise. */
export function parseDatasetName(name: string): DatasetName {
  if ((DATASET_NAMES as string[]).includes(name)) return name as DatasetName;
  throw new UsageError(`unknown dataset '${name}' (expected one of ${DATASET_NAMES.join(', ')})`);
}

export interface FetchOptions {
  /** Data root holding <name>/ folders; default $GC_DATA_DIR, else the per-user data folder (data/paths.ts). */
  dataDir?: string;
  /** Base URL replacing the official download URLs; default $GC_DATA_MIRROR. */
  mirror?: string;
  onProgress?: ProgressFn;
  /** Idle-connection timeout for downloads (ms). */
  timeoutMs?: number;
}

export interface LoadOptions extends FetchOptions {
  /** Download missing files (default true). With false, a missing dataset is a DataError. */
  download?: boolean;
  /** CIFAR-100 label set: 100 fine classes (default) or 20 coarse superclasses. */
  cifar100Labels?: 'fine' | 'coarse';
  /** Per-channel normalisation of CIFAR with the standard means/stds (default true). */
  normalize?: boolean;
}

export interface LoadedDataset {
  name: DatasetName;
  numClasses: number;
  shape: [number, number, number];
  train: Split;
  test: Split;
  classNames?: string[];
}

/**
 * The absolute folder of dataset `name`: under the data root the user chose (--data-dir,
 * $GC_DATA_DIR) if any; otherwise the package's shipped copy when it holds every file of the
 * dataset (Fashion-MNIST), else the per-user data folder, where downloads go.
 */
export function datasetDir(name: DatasetName, dataDir?: string): string {
  if (!dataRootIsExplicit(dataDir)) {
    const shipped = join(shippedDataRoot(), name);
    const files = DATASETS[name].sources.flatMap((s) => s.provides.map((p) => p.path));
    if (files.every((f) => existsSync(join(shipped, f)))) return shipped;
  }
  return join(resolveDataRoot(dataDir), name);
}

async function isPresent(dir: string, path: string): Promise<boolean> {
  return access(join(dir, path)).then(
    () => true,
    () => false,
  );
}

/** Sources of `info` some of whose files are missing from `dir`. */
async function missingSources(info: DatasetInfo, dir: string): Promise<S.SourceFile[]> {
  const out: S.SourceFile[] = [];
  for (const src of info.sources) {
    for (const p of src.provides) {
      if (!(await isPresent(dir, p.path))) {
        out.push(src);
        break;
      }
    }
  }
  return out;
}

/**
 * Downloads (and verifies, extracts) whatever files of dataset `name` are missing from its folder.
 * Resolves with the folder and the names of the files fetched (empty if all were present).
 */
export async function fetchDataset(name: DatasetName, opts: FetchOptions = {}): Promise<{ dir: string; fetched: string[] }> {
  const info = DATASETS[parseDatasetName(name)];
  const dir = datasetDir(info.name, opts.dataDir);
  const missing = await missingSources(info, dir);
  if (missing.length > 0) {
    const env = process.env[S.MIRROR_ENV] || undefined;
    const mirror = opts.mirror ? S.checkMirror(opts.mirror, 'mirror') : env ? S.checkMirror(env, `$${S.MIRROR_ENV}`) : undefined;
    await installSources(missing, dir, { ...opts, mirror });
  }
  return { dir, fetched: missing.map((s) => s.file) };
}

async function readVerified(dir: string, path: string, src: S.SourceFile | undefined): Promise<Buffer> {
  const file = join(dir, path);
  const buf = await readFile(file);
  if (src) checkSha256(file, sha256Hex(buf), [src.sha256, ...(src.altSha256 ?? [])], `Delete it and run \`gc-data fetch\` again`);
  return buf;
}

async function loadIdx(info: DatasetInfo, dir: string, which: { images: string; labels: string }): Promise<Split> {
  const src = (f: string) => info.sources.find((s) => s.file === f);
  const [img, lab] = await Promise.all([
    readVerified(dir, which.images, src(which.images)),
    readVerified(dir, which.labels, src(which.labels)),
  ]);
  const imagesFile = join(dir, which.images);
  const labelsFile = join(dir, which.labels);
  const images = parseIdx(maybeGunzip(img, imagesFile), imagesFile);
  const labels = parseIdx(maybeGunzip(lab, labelsFile), labelsFile);
  return idxToSplit(images, labels, imagesFile, labelsFile);
}

async function loadCifar(info: DatasetInfo, dir: string, files: string[], format: CifarFormat): Promise<Split> {
  const sizes = new Map(info.sources.flatMap((s) => s.provides).map((p) => [p.path, p.bytes]));
  const parts = await Promise.all(
    files.map(async (path) => {
      const file = join(dir, path);
      // The archive's SHA-256 was checked when it was installed; on load we check exact sizes.
      const expected = sizes.get(path);
      const size = (await stat(file)).size;
      if (expected !== undefined && size !== expected) {
        throw new DataError(`${file}: expected ${expected} bytes, got ${size}. Delete ${dir} and run \`gc-data fetch ${info.name}\` again`);
      }
      return { buf: await readFile(file), file };
    }),
  );
  return decodeCifar(parts, format);
}

function checkCounts(info: DatasetInfo, dir: string, train: Split, test: Split): void {
  if (train.n !== info.trainSize || test.n !== info.testSize) {
    throw new DataError(`${dir}: expected ${info.trainSize} train and ${info.testSize} test examples, got ${train.n} and ${test.n}`);
  }
}

/**
 * Loads dataset `name` (train and test splits), downloading missing files unless
 * `opts.download === false`. Pixels are scaled to [0, 1]; CIFAR is then normalised per channel
 * (unless `opts.normalize === false`). x is NHWC Float32Array, y Int32Array.
 */
export async function loadDataset(name: DatasetName, opts: LoadOptions = {}): Promise<LoadedDataset> {
  const info = DATASETS[parseDatasetName(name)];
  const dir = datasetDir(info.name, opts.dataDir);
  const missing = await missingSources(info, dir);
  if (missing.length > 0) {
    const handPlaced = await Promise.all(missing.map((s) => isPresent(dir, s.file)));
    if (opts.download === false && !handPlaced.every((p, i) => p && missing[i].kind === 'tar.gz')) {
      throw new DataError(
        `dataset ${info.name} is not installed in ${dir} and downloads are off; run \`gc-data fetch ${info.name}\`.\n` +
          manualInstallHint(missing, dir),
      );
    }
    await fetchDataset(info.name, opts);
  }
  const fmt = info.format;
  if (fmt.kind === 'idx') {
    const [train, test] = [await loadIdx(info, dir, fmt.train), await loadIdx(info, dir, fmt.test)];
    checkCounts(info, dir, train, test);
    return { name: info.name, numClasses: info.numClasses, shape: [...info.shape], train, test, classNames: info.classNames };
  }
  const coarse = info.name === 'cifar100' && opts.cifar100Labels === 'coarse';
  const format = info.name === 'cifar10' ? CIFAR10_FORMAT : coarse ? CIFAR100_COARSE_FORMAT : CIFAR100_FINE_FORMAT;
  const train = await loadCifar(info, dir, fmt.train, format);
  const test = await loadCifar(info, dir, fmt.test, format);
  checkCounts(info, dir, train, test);
  if (opts.normalize !== false) {
    normalizePerChannel(train.x, fmt.mean, fmt.std);
    normalizePerChannel(test.x, fmt.mean, fmt.std);
  }
  let classNames = info.classNames;
  const namesPath = fmt.names && (coarse ? fmt.names.replace('fine_', 'coarse_') : fmt.names);
  if (namesPath && (await isPresent(dir, namesPath))) classNames = await readLabelNames(join(dir, namesPath));
  return { name: info.name, numClasses: format.numClasses, shape: [...info.shape], train, test, classNames };
}
