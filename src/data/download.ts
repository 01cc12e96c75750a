/**
 * Verified dataset downloads: stream each file over HTTP(S) (undici; through the proxy that
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY, lower case first, name for its URL) into a temporary folder on
 * the same filesystem as the data root, check its SHA-256, extract it there, and only then move
 * the complete result into the dataset folder with rename(2). A failure at any step removes the
 * temporary folder, so the data root never holds a partial file.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { x as tarExtract } from 'tar';
import { EnvHttpProxyAgent, request } from 'undici';
import { DataError } from '../errors/errors.js';
import { errCode, makeFolder } from '../results/fs-safe.js';
import { checkSha256, sha256File } from './integrity.js';
import { sourceUrl, type SourceFile } from './sources.js';

/** Progress of one file's download: bytes received so far, and the size when the server sent it. */
export interface ProgressEvent {
  file: string;
  bytes: number;
  total?: number;
}
export type ProgressFn = (p: ProgressEvent) => void;

export interface DownloadOptions {
  /** Called after every received chunk. */
  onProgress?: ProgressFn;
  /** Abort when the connection is idle this long (ms). Default 60 s. */
  timeoutMs?: number;
}

export interface InstallOptions extends DownloadOptions {
  /** Base URL replacing the official one (file names appended). */
  mirror?: string;
}

const MAX_REDIRECTS = 5;

/** Thrown inside this module when no HTTP response arrived at all (DNS, refused, unreachable). */
class Unreachable extends DataError {}
/** The configured proxy refused or could not be reached: one line, no manual-install hint. */
class ProxyUnreachable extends DataError {}

interface Response {
  statusCode: number;
  location?: string;
  contentLength?: string;
  body: Readable;
}

/** The proxy variable that applies to `url`'s protocol (curl's order: lower case first), if any is set. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): { name: string; value: string } | undefined {
  const names = url.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
  for (const name of names) if (env[name]) return { name, value: env[name]! };
  return undefined;
}

/** Whether a connection error is about the proxy's own address (so the proxy, not the server, is unreachable). */
function isProxyError(err: NodeJS.ErrnoException & { port?: number; address?: string }, proxy: string): boolean {
  let p: URL;
  try {
    p = new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
  } catch {
    return false;
  }
  const port = Number(p.port || (p.protocol === 'https:' ? 443 : 80));
  return err.port === port || (err.message ?? '').includes(`:${port}`);
}

async function get(url: URL, timeoutMs: number): Promise<Response> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DataError(`unsupported URL protocol ${url.protocol} in ${url.href} (expected http: or https:)`);
  }
  const proxy = proxyFor(url);
  // Built per request: the environment is read now (NO_PROXY included), as curl reads it per call.
  const dispatcher = new EnvHttpProxyAgent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  try {
    const res = await request(url, { dispatcher, headers: { 'user-agent': 'gc-run' } });
    const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
    // The agent closes once the body has been read or abandoned.
    res.body.once('close', () => void dispatcher.close());
    return { statusCode: res.statusCode, location: one(res.headers.location), contentLength: one(res.headers['content-length']), body: res.body };
  } catch (e) {
    void dispatcher.destroy();
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const cause = err.cause ?? err;
    const code = cause.code ?? err.code ?? 'error';
    if (proxy && isProxyError(cause, proxy.value)) {
      throw new ProxyUnreachable(
        `cannot reach the proxy ${proxy.value} (from ${proxy.name}) to download ${url.href}: ${code}; fix ${proxy.name}, or exclude the host with NO_PROXY`,
      );
    }
    if (code === 'UND_ERR_HEADERS_TIMEOUT') throw new Unreachable(`cannot reach ${url.href} (ETIMEDOUT: no response for ${timeoutMs} ms)`);
    throw new Unreachable(`cannot reach ${url.href} (${code}: ${cause.message || err.message})`);
  }
}

/**
 * Downloads `url` to `dest` (created exclusively), following redirects. Resolves with the byte
 * count and SHA-256 of what was written. Throws DataError on an HTTP error status, a body shorter
 * than its Content-Length (truncated), or a dropped connection.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<{ bytes: number; sha256: string }> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let current = new URL(url);
  let res = await get(current, timeoutMs);
  for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400 && res.location; hops++) {
    res.body.resume();
    if (hops >= MAX_REDIRECTS) throw new DataError(`download of ${url} failed: more than ${MAX_REDIRECTS} redirects`);
    current = new URL(res.location, current);
    res = await get(current, timeoutMs);
  }
  if (res.statusCode !== 200) {
    res.body.resume();
    throw new DataError(`download of ${current.href} failed: HTTP ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`.trimEnd());
  }
  const header = res.contentLength;
  const total = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
  const file = basename(current.pathname);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      res.body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          bytes += chunk.length;
          hash.update(chunk);
          opts.onProgress?.({ file, bytes, total });
          yield chunk;
        }
      },
      createWriteStream(dest, { flags: 'wx' }),
    );
  } catch (err) {
    const why = (err as Error).message;
    if (total !== undefined && bytes < total) {
      throw new DataError(`download of ${current.href} truncated: received ${bytes} of ${total} bytes (${why})`);
    }
    throw new DataError(`download of ${current.href} failed after ${bytes} bytes: ${why}`);
  }
  if (total !== undefined && bytes !== total) {
    throw new DataError(`download of ${current.href} truncated: received ${bytes} of ${total} bytes (Content-Length)`);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** How to install `sources` by hand into `datasetDir`: exact folder, file names and URLs. */
export function manualInstallHint(sources: SourceFile[], datasetDir: string): string {
  const lines = [`To install by hand, download these files into the folder ${datasetDir}/ :`];
  for (const s of sources) {
    lines.push(`  ${s.file}   from ${s.url}   (sha256 ${s.sha256})`);
    if (s.kind === 'tar.gz') {
      const files = s.provides.map((p) => p.path).join(', ');
      lines.push(`    (gc-run verifies and extracts it on the next load; or extract it there yourself so that ${files} exist)`);
    }
  }
  return lines.join('\n');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Checks that every file `src` provides is in `dir` with its exact size; `what` names `dir` in errors. */
async function checkProvided(dir: string, src: SourceFile, what: string): Promise<void> {
  for (const p of src.provides) {
    const st = await stat(join(dir, p.path)).catch(() => null);
    if (!st?.isFile()) throw new DataError(`${what}: expected it to contain ${p.path}, but it does not`);
    if (p.bytes !== undefined && st.size !== p.bytes) {
      throw new DataError(`${what}: ${p.path} has ${st.size} bytes, expected ${p.bytes}`);
    }
  }
}

/**
 * Moves the finished `stage` folder to `datasetDir`: one rename, or one per entry if the folder
 * exists. An entry that already exists is accepted only if `sources` are then complete (another
 * process finished first); we never overwrite a non-empty folder the user owns.
 */
async function moveIntoPlace(stage: string, datasetDir: string, sources: SourceFile[]): Promise<void> {
  try {
    await rename(stage, datasetDir);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  const conflicts: string[] = [];
  for (const entry of await readdir(stage)) {
    const dest = join(datasetDir, entry);
    try {
      await rename(join(stage, entry), dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR' && code !== 'ENOTDIR') throw err;
      conflicts.push(dest);
    }
  }
  if (conflicts.length === 0) return;
  try {
    for (const src of sources) await checkProvided(datasetDir, src, datasetDir);
  } catch (err) {
    throw new DataError(`${conflicts.join(', ')} already exists but is incomplete (${(err as Error).message}); move it away and fetch again`);
  }
}

/**
 * Installs `sources` into `datasetDir`: downloads each (from `opts.mirror` if given; a .tar.gz
 * already placed in `datasetDir` by hand is used instead of downloading), verifies SHA-256,
 * extracts archives, and moves everything into place only when all sources succeeded.
 * Throws DataError; on failure nothing is left in the data root.
 */
export async function installSources(sources: SourceFile[], datasetDir: string, opts: InstallOptions = {}): Promise<void> {
  const root = dirname(datasetDir);
  // One level at a time (Node's recursive mkdir spins forever under /proc); the first folder
  // this call created (undefined: root existed) is removed again on failure.
  const created = makeFolder(root, (dir, err) => new DataError(`data root ${root}: cannot create the folder ${dir} (${errCode(err)}); set --data-dir or GC_DATA_DIR to a writable folder`))[0];
  let tmp: string;
  try {
    tmp = await mkdtemp(join(root, `.tmp-${basename(datasetDir)}-`));
  } catch (err) {
    if (created) await removeEmptyUpTo(root, created);
    throw new DataError(`data root ${root}: cannot write there (${errCode(err)}); set --data-dir or GC_DATA_DIR to a writable folder`);
  }
  staging.add(tmp);
  let ok = false;
  try {
    const stage = join(tmp, 'stage');
    await mkdir(stage);
    for (const src of sources) {
      const accepted = [src.sha256, ...(src.altSha256 ?? [])];
      const local = join(datasetDir, src.file);
      let archive: string;
      let label: string; // names the archive in errors: the hand-placed file or the URL
      if (src.kind === 'tar.gz' && (await exists(local))) {
        archive = local;
        label = local;
        checkSha256(local, await sha256File(local), accepted, 'Delete it and fetch again.');
      } else {
        const url = sourceUrl(src, opts.mirror);
        archive = join(tmp, src.file);
        label = url;
        let got;
        try {
          got = await downloadFile(url, archive, opts);
        } catch (err) {
          if (err instanceof Unreachable) throw new DataError(`${err.message}\n${manualInstallHint(sources, datasetDir)}`);
          throw err;
        }
        checkSha256(url, got.sha256, accepted, 'The download is corrupt or the server sent a different file; nothing was installed');
      }
      if (src.kind === 'file') {
        await rename(archive, join(stage, src.file));
      } else {
        try {
          await tarExtract({ file: archive, cwd: stage, strict: true });
        } catch (err) {
          throw new DataError(`${label}: cannot extract tar.gz archive: ${(err as Error).message}`);
        }
        await checkProvided(stage, src, label);
      }
    }
    await moveIntoPlace(stage, datasetDir, sources);
    ok = true;
  } finally {
    await rm(tmp, { recursive: true, force: true });
    staging.delete(tmp);
    if (!ok && created) await removeEmptyUpTo(root, created);
  }
}

/** Staging folders of downloads in progress (removed by removeActiveStaging when the process quits mid-download). */
const staging = new Set<string>();

/** Removes the staging folders of downloads in progress, synchronously (for a process about to exit on a signal). */
export function removeActiveStaging(): void {
  for (const dir of staging) rmSync(dir, { recursive: true, force: true });
  staging.clear();
}

/** Removes `dir` and its parents up to and including `top` while they are empty (a failed fetch leaves no folders). */
async function removeEmptyUpTo(dir: string, top: string): Promise<void> {
  for (let d = dir; ; d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return; // not empty (someone else's files) or gone: stop
    }
    if (d === top || dirname(d) === d) return;
  }
}
