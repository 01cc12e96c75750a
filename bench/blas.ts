/**
 * Which BLAS the PyTorch reference ran its matrix products on, read from the `blas` field the
 * reference scripts print (the libraries mapped into the process). Debian's python3-torch links
 * libblas.so.3, which is the unoptimised reference BLAS unless libopenblas0-pthread is installed:
 * the MLP then runs ~25x slower, and a ratio against it would flatter gc-run. Such figures are
 * shown but never called a PyTorch ratio.
 */

export type BlasKind = 'openblas' | 'mkl' | 'blis' | 'reference' | 'unknown';

/** The install step that gives Debian's torch an optimised BLAS (documented in README and bench output). */
export const OPENBLAS_INSTALL = 'apt-get install -y libopenblas0-pthread';

/** Classifies a comma-separated list of library paths (torch_bench.py's `blas` field). */
export function blasKind(field: string | undefined): BlasKind {
  const libs = (field ?? '').toLowerCase().split(',');
  if (libs.some((l) => l.includes('openblas'))) return 'openblas';
  if (libs.some((l) => l.includes('mkl'))) return 'mkl';
  if (libs.some((l) => l.includes('blis'))) return 'blis';
  // Debian's reference BLAS: /usr/lib/<triplet>/blas/libblas.so.3.x (alternatives target).
  if (libs.some((l) => /\/blas\/libblas\.so/.test(l) || /libblas\.so/.test(l))) return 'reference';
  return 'unknown';
}

/** Whether figures on this BLAS make an honest reference (an optimised BLAS: OpenBLAS, MKL, BLIS). */
export function optimisedBlas(kind: BlasKind): boolean {
  return kind === 'openblas' || kind === 'mkl' || kind === 'blis';
}

/** One line for the report: the BLAS and whether ratios are given. */
export function describeBlas(field: string | undefined): string {
  const kind = blasKind(field);
  const libs = (field ?? 'not reported').split(',').filter((l) => !/lapack/i.test(l)).join(', ');
  if (optimisedBlas(kind)) return `${kind === 'openblas' ? 'OpenBLAS' : kind === 'mkl' ? 'MKL' : 'BLIS'} (${libs})`;
  return `${kind === 'reference' ? 'the unoptimised reference BLAS' : 'an unidentified BLAS'} (${libs}): figures are shown but are not PyTorch ratios; install an optimised one (${OPENBLAS_INSTALL})`;
}
