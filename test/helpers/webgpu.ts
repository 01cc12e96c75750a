import * as tf from '#tf';
import { selectBackend, type BackendInfo } from '../../src/backend/select.js';
import { requirement, type Requirement } from './requirements.js';

/** The Debian packages the webgpu tier needs: Mesa's EGL + llvmpipe for Dawn's OpenGL ES route. */
export const WEBGPU_INSTALL = 'apt-get install -y libegl1 libegl-mesa0 libgl1-mesa-dri (and npm install: webgpu, @tensorflow/tfjs-backend-webgpu)';

let loaded: Promise<BackendInfo | string> | null = null;

/** Loads --backend webgpu once (a CPU fallback adapter allowed); the reason string when it cannot. */
export function loadWebgpu(): Promise<BackendInfo | string> {
  loaded ??= selectBackend('webgpu').catch((e: Error) => e.message);
  return loaded;
}

/** The webgpu tier's requirement: skipped with the install line outside CI, required in CI. */
export async function webgpuRequirement(): Promise<Requirement> {
  const r = await loadWebgpu();
  return requirement('WebGPU (Dawn on Mesa llvmpipe)', typeof r === 'string' ? [r] : [], WEBGPU_INSTALL);
}

/** Makes `name` current (webgpu through gc-run's own selection, so its gradients are installed). */
export async function switchTo(name: 'cpu' | 'webgpu'): Promise<void> {
  if (name === 'webgpu') {
    const r = await loadWebgpu();
    if (typeof r === 'string') throw new Error(r);
    await selectBackend('webgpu');
  } else if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed');
}

/** Largest |a-b| / (1 + |b|) over two arrays of one length: relative for large values, absolute near 0. */
export function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return m;
}
