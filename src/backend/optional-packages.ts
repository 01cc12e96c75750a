/**
 * The npm packages behind the optional GPU backends. They are not dependencies of gc-run (the
 * tfjs-node ones are optional peers: their install script downloads libtensorflow and they pull
 * in the whole @tensorflow/tfjs umbrella; webgpu's are optional dependencies), so `auto` may
 * find them missing: missingGpuPackages() says which, without loading anything.
 */
import { packageRoot } from '../data/paths.js';
import type { ConcreteBackend } from '../config/schema.js';

/** npm packages (at the version gc-run's tfjs is built against) each GPU backend needs. */
export const GPU_PACKAGES: Partial<Record<ConcreteBackend, string[]>> = {
  'tensorflow-gpu': ['@tensorflow/tfjs-node-gpu@4.22.0'],
  tensorflow: ['@tensorflow/tfjs-node@4.22.0'],
  webgpu: ['webgpu', '@tensorflow/tfjs-backend-webgpu@4.22.0'],
};

const bare = (spec: string) => spec.replace(/(.)@.*$/, '$1');

/** Whether `pkg` (a bare package name) resolves from gc-run's own modules. */
function installed(pkg: string): boolean {
  try {
    import.meta.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

export interface MissingGpuPackages {
  /** Backends that cannot load for want of a package, in BACKEND_ORDER. */
  backends: ConcreteBackend[];
  /** Package specs (name@version) to install. */
  packages: string[];
  /** The command that installs them where gc-run resolves its modules. */
  installLine: string;
}

/** The GPU packages that are not installed, or null when all are. */
export function missingGpuPackages(): MissingGpuPackages | null {
  const backends: ConcreteBackend[] = [];
  const packages: string[] = [];
  for (const [backend, specs] of Object.entries(GPU_PACKAGES) as [ConcreteBackend, string[]][]) {
    const missing = specs.filter((s) => !installed(bare(s)));
    if (missing.length) {
      backends.push(backend);
      packages.push(...missing);
    }
  }
  if (!packages.length) return null;
  // --prefix: into gc-run's own node_modules (a clone or a global install alike), so that they
  // share its single tfjs-core; --omit=dev: a global install has no build tools to install.
  const installLine = `npm install --prefix '${packageRoot()}' --omit=dev ${packages.join(' ')}`;
  return { backends, packages, installLine };
}
