/**
 * Finding a WebGPU adapter without touching this process. Dawn (the `webgpu` package) prints
 * its own warnings straight to stderr (e.g. "Couldn't load Vulkan" on every machine without a
 * Vulkan loader), so `auto` asks in a short child process and keeps that text as the reason.
 * Two routes are tried: Dawn's default (Vulkan on Linux: NVIDIA, AMD, Intel drivers) and its
 * OpenGL ES backend through EGL (Mesa's llvmpipe on CPU-only machines, a fallback).
 */
import { execFile } from 'node:child_process';

/** A way to create Dawn and ask it for an adapter. */
export interface DawnRoute {
  name: 'vulkan' | 'opengles';
  /** Flags for `create()` of the webgpu package. */
  flags: string[];
  /** requestAdapter options. */
  options: { powerPreference?: 'high-performance'; featureLevel?: 'compatibility' };
  /** Environment the route needs (EGL without a display server). */
  env: Record<string, string>;
}

export const DAWN_ROUTES: readonly DawnRoute[] = [
  { name: 'vulkan', flags: [], options: { powerPreference: 'high-performance' }, env: {} },
  // Compatibility level: llvmpipe's GLES 3.2 lacks what core WebGPU requires, yet runs every
  // kernel tfjs uses (measured: gradients within 4e-8 of the cpu backend).
  { name: 'opengles', flags: ['backend=opengles'], options: { featureLevel: 'compatibility' }, env: { EGL_PLATFORM: 'surfaceless' } },
];

/** What an adapter says about itself (GPUAdapterInfo fields Dawn fills). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export interface ProbeResult {
  route: DawnRoute['name'];
  /** Null when the route gave no adapter. */
  adapter: AdapterInfo | null;
  /** Dawn's own stderr lines for this route (why there was no adapter, usually). */
  messages: string[];
  /** Of those, the lines Dawn printed as `Warning: …` (what creating this route prints again). */
  warnings?: string[];
}

/** CPU rasterisers that drivers and Dawn expose as adapters: correct but no faster than wasm. */
const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software rasterizer|microsoft basic render/i;

/** True for a CPU fallback adapter (llvmpipe, lavapipe, SwiftShader), which Dawn does not flag itself. */
export function isFallbackAdapter(info: AdapterInfo & { isFallbackAdapter?: boolean }): boolean {
  return info.isFallbackAdapter === true || SOFTWARE.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

/** A readable name: the description, with the device id when it says more. */
export function adapterName(info: AdapterInfo): string {
  const parts = [info.device, info.description].map((s) => s.trim()).filter(Boolean);
  return [...new Set(parts)].join(', ') || info.vendor || 'unnamed adapter';
}

// Run by the child: one JSON line per route on stdout; Dawn's warnings land on stderr between them.
const CHILD = `
const [url, routes] = [process.argv[1], JSON.parse(process.argv[2])];
const { create } = await import(url);
for (const r of routes) {
  Object.assign(process.env, r.env);
  process.stderr.write('@@route ' + r.name + '\\n');
  let adapter = null;
  try {
    const a = await create(r.flags).requestAdapter(r.options);
    if (a) adapter = { vendor: a.info.vendor, architecture: a.info.architecture, device: a.info.device, description: a.info.description, isFallbackAdapter: a.info.isFallbackAdapter };
  } catch (e) { process.stderr.write(String(e && e.message || e) + '\\n'); }
  process.stdout.write(JSON.stringify({ route: r.name, adapter }) + '\\n');
}
process.exit(0);
`;

/** Splits the child's stderr into the lines of each route (and, apart, its `Warning:` lines). */
function messagesByRoute(stderr: string): Map<string, { messages: string[]; warnings: string[] }> {
  const out = new Map<string, { messages: string[]; warnings: string[] }>();
  let cur = { messages: [] as string[], warnings: [] as string[] };
  for (const line of stderr.split('\n')) {
    const m = /^@@route (\S+)$/.exec(line);
    if (m) out.set(m[1], (cur = { messages: [], warnings: [] }));
    // Dawn appends a source location line ("    at operator() (…/BackendVk.cpp:368)").
    else if (line.trim() && !/^\s+at /.test(line)) {
      cur.messages.push(line.replace(/^Warning: /, '').trim());
      if (line.startsWith('Warning: ')) cur.warnings.push(line.slice('Warning: '.length).trim());
    }
  }
  return out;
}

/**
 * Asks each route for an adapter in a child process (about 0.3 s). `webgpuUrl` is the resolved
 * module URL of the `webgpu` package. Rejects only when the child itself fails to run.
 */
export function probeAdapters(webgpuUrl: string, routes: readonly DawnRoute[] = DAWN_ROUTES, timeoutMs = 60_000): Promise<ProbeResult[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD, webgpuUrl, JSON.stringify(routes)],
      { timeout: timeoutMs, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
        if (err && lines.length === 0) {
          const why = (stderr.split('\n').find((l) => l.trim() && !l.startsWith('@@')) ?? err.message).trim();
          reject(new Error(`the WebGPU adapter probe failed: ${why.slice(0, 200)}`));
          return;
        }
        const msgs = messagesByRoute(stderr);
        resolve(
          lines.map((l) => {
            const r = JSON.parse(l) as { route: DawnRoute['name']; adapter: AdapterInfo | null };
            const m = msgs.get(r.route);
            return { ...r, messages: m?.messages ?? [], warnings: m?.warnings ?? [] };
          }),
        );
      },
    );
  });
}
