/**
 * Where each dataset's files come from and what they must hash to.
 *
 * Checksum provenance (SHA-256 of the file as served, and its size in bytes):
 * - MNIST: tensorflow/datasets, tensorflow_datasets/url_checksums/mnist.txt (the same four files
 *   as Yann LeCun's originals; the ossci-datasets S3 mirror torchvision uses serves them
 *   byte-identical, and torchvision checks them against LeCun's MD5s).
 * - Fashion-MNIST: tensorflow/datasets, tensorflow_datasets/url_checksums/fashion_mnist.txt for the
 *   upstream S3 files; `altSha256` is the Debian `dataset-fashion-mnist` re-compression of the same
 *   IDX data (computed here with sha256sum from /usr/share/datasets/fashion-mnist), which is what
 *   ships in datasets/fashion-mnist/.
 * - CIFAR-10/100 binary: tensorflow/datasets, tensorflow_datasets/url_checksums/cifar10.txt and
 *   cifar100.txt.
 */

import { UsageError } from '../errors/errors.js';

/** Env variable naming a mirror base URL that replaces the official one for every file. */
export const MIRROR_ENV = 'GC_DATA_MIRROR';

/** A file the dataset folder must contain after installation (relative path) and its exact size. */
export interface Provided {
  path: string;
  bytes?: number;
}

/** One downloadable file. */
export interface SourceFile {
  /** File name as served (last URL segment), e.g. 'train-images-idx3-ubyte.gz'. */
  file: string;
  /** Official URL. A mirror base replaces everything before `file`. */
  url: string;
  /** Size in bytes of the official file. */
  bytes: number;
  /** SHA-256 (hex) of the official file. */
  sha256: string;
  /** SHA-256s of other known-good packagings of the same data (accepted on load and download). */
  altSha256?: string[];
  /** 'file': kept as is in the dataset folder; 'tar.gz': extracted there (official inner folders kept). */
  kind: 'file' | 'tar.gz';
  /** What the dataset folder holds once this source is installed. */
  provides: Provided[];
}

/**
 * Validates a mirror base URL (from `label`, e.g. `--mirror` or `$GC_DATA_MIRROR`): an absolute
 * http(s) URL, else UsageError (exit 2) before anything is created or fetched.
 */
export function checkMirror(mirror: string, label: string): string {
  let url: URL | null = null;
  try {
    url = new URL(mirror);
  } catch {
    // not a URL at all
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`${label} '${mirror}': expected an http:// or https:// base URL (e.g. http://host/datasets)`);
  }
  return mirror;
}

/** The URL to fetch `src` from: `mirror` + file name when a mirror is given, else the official URL. */
export function sourceUrl(src: SourceFile, mirror?: string): string {
  if (!mirror) return src.url;
  return mirror.replace(/\/+$/, '') + '/' + src.file;
}

function idxFile(base: string, file: string, bytes: number, sha256: string, altSha256?: string[]): SourceFile {
  return { file, url: base + file, bytes, sha256, altSha256, kind: 'file', provides: [{ path: file }] };
}

const MNIST_BASE = 'https://ossci-datasets.s3.amazonaws.com/mnist/';
export const MNIST_SOURCES: SourceFile[] = [
  idxFile(MNIST_BASE, 'train-images-idx3-ubyte.gz', 9912422, '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609'),
  idxFile(MNIST_BASE, 'train-labels-idx1-ubyte.gz', 28881, '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c'),
  idxFile(MNIST_BASE, 't10k-images-idx3-ubyte.gz', 1648877, '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6'),
  idxFile(MNIST_BASE, 't10k-labels-idx1-ubyte.gz', 4542, 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6'),
];

const FASHION_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
export const FASHION_MNIST_SOURCES: SourceFile[] = [
  idxFile(FASHION_BASE, 'train-images-idx3-ubyte.gz', 26421880, '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', [
    'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7',
  ]),
  idxFile(FASHION_BASE, 'train-labels-idx1-ubyte.gz', 29515, 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845', [
    '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056',
  ]),
  idxFile(FASHION_BASE, 't10k-images-idx3-ubyte.gz', 4422102, '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073', [
    'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa',
  ]),
  idxFile(FASHION_BASE, 't10k-labels-idx1-ubyte.gz', 5148, '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5', [
    '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05',
  ]),
];

/** 10000 records of 1 + 3072 bytes. */
const CIFAR10_BATCH_BYTES = 10000 * 3073;
export const CIFAR10_DIR = 'cifar-10-batches-bin';
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `${CIFAR10_DIR}/data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = [`${CIFAR10_DIR}/test_batch.bin`];
export const CIFAR10_SOURCES: SourceFile[] = [
  {
    file: 'cifar-10-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    bytes: 170052171,
    sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
    kind: 'tar.gz',
    provides: [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].map((path) => ({ path, bytes: CIFAR10_BATCH_BYTES })),
  },
];

export const CIFAR100_DIR = 'cifar-100-binary';
export const CIFAR100_TRAIN_FILES = [`${CIFAR100_DIR}/train.bin`];
export const CIFAR100_TEST_FILES = [`${CIFAR100_DIR}/test.bin`];
export const CIFAR100_SOURCES: SourceFile[] = [
  {
    file: 'cifar-100-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
    bytes: 168513733,
    sha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
    kind: 'tar.gz',
    // Records are 2 label bytes (coarse, fine) + 3072 pixel bytes.
    provides: [
      { path: CIFAR100_TRAIN_FILES[0], bytes: 50000 * 3074 },
      { path: CIFAR100_TEST_FILES[0], bytes: 10000 * 3074 },
    ],
  },
];
