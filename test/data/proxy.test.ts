import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { packageRoot } from '../../src/data/paths.js';
import { cleanupTempDirs, tempDir } from '../helpers/data-fixtures.js';

/**
 * Downloads through a proxy named by HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case), against a
 * loopback mirror serving the shipped Fashion-MNIST files and a loopback CONNECT proxy that
 * records what it tunnelled. Runs the real gc-data bin, so the environment is read as a user's.
 */

after(cleanupTempDirs);

const SHIPPED = join(packageRoot(), 'datasets', 'fashion-mnist');
const BIN = join(packageRoot(), 'bin', 'gc-data.js');
const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy', 'GC_DATA_DIR', 'GC_DATA_MIRROR'];

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** The mirror: /<file> serves the shipped file, /bad/<file> the same with its first byte changed. */
async function startMirror() {
  const server = http.createServer((req, res) => {
    const bad = req.url!.startsWith('/bad/');
    const file = join(SHIPPED, req.url!.replace(/^\/(bad\/)?/, ''));
    if (!/\.gz$/.test(file) || !existsSync(file)) return res.writeHead(404).end();
    if (!bad) return createReadStream(file).pipe(res.writeHead(200));
    const body = readFileSync(file);
    body[0] ^= 0xff;
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  return { server, port: await listen(server) };
}

/** A CONNECT proxy (what undici's ProxyAgent speaks for http and https targets): records each tunnel's target. */
async function startProxy() {
  const seen: string[] = [];
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push(req.url!);
    const [host, port] = req.url!.split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return { server, seen, port: await listen(server) };
}

function gcData(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of PROXY_VARS) delete base[k];
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const close = (s: net.Server) => new Promise((r) => s.close(r));

test('HTTP_PROXY and http_proxy: the download goes through the proxy, checksums verified; NO_PROXY bypasses it', async () => {
  const mirror = await startMirror();
  const proxy = await startProxy();
  try {
    const url = `http://127.0.0.1:${mirror.port}/`;
    for (const name of ['HTTP_PROXY', 'http_proxy']) {
      proxy.seen.length = 0;
      const root = await tempDir();
      const r = await gcData(['fetch', 'fashion-mnist', '--data-dir', root, '--mirror', url], { [name]: `http://127.0.0.1:${proxy.port}` });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /fetched/);
      assert.equal(proxy.seen.length, 4, `${name}: the proxy tunnelled each of the 4 files: ${proxy.seen.join(', ')}`);
      assert.ok(proxy.seen.every((t) => t === `127.0.0.1:${mirror.port}`), proxy.seen.join(', '));
      assert.equal(readdirSync(join(root, 'fashion-mnist')).filter((f) => f.endsWith('.gz')).length, 4);
    }
    // NO_PROXY (here lower case, with a port) names the mirror: no tunnel.
    proxy.seen.length = 0;
    const root = await tempDir();
    const r = await gcData(['fetch', 'fashion-mnist', '--data-dir', root, '--mirror', url], {
      HTTP_PROXY: `http://127.0.0.1:${proxy.port}`,
      no_proxy: `example.org,127.0.0.1:${mirror.port}`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(proxy.seen, []);

    // A corrupt file through the proxy is still refused by its checksum, and nothing is installed.
    const bad = await tempDir();
    const c = await gcData(['fetch', 'fashion-mnist', '--data-dir', join(bad, 'data'), '--mirror', `${url}bad/`], { HTTP_PROXY: `http://127.0.0.1:${proxy.port}` });
    assert.equal(c.code, 2, c.stderr);
    assert.match(c.stderr, /checksum mismatch/);
    assert.ok(proxy.seen.length >= 1, 'the corrupt download went through the proxy too');
    assert.deepEqual(readdirSync(bad), [], 'nothing left behind');
  } finally {
    await close(mirror.server);
    await close(proxy.server);
  }
});

test('a proxy that refuses connections: one clear line naming it and its variable, exit 2, nothing left behind', async () => {
  const mirror = await startMirror();
  const dead = net.createServer();
  const deadPort = await listen(dead);
  await close(dead); // the port is now refused
  try {
    const root = await tempDir();
    const dataDir = join(root, 'data');
    const r = await gcData(['fetch', 'fashion-mnist', '--data-dir', dataDir, '--mirror', `http://127.0.0.1:${mirror.port}/`], {
      https_proxy: 'http://127.0.0.1:1', // not used for an http:// URL
      HTTP_PROXY: `http://127.0.0.1:${deadPort}`,
    });
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`cannot reach the proxy http://127\\.0\\.0\\.1:${deadPort} \\(from HTTP_PROXY\\).*ECONNREFUSED`));
    assert.deepEqual(readdirSync(root), [], 'no data root created');
  } finally {
    await close(mirror.server);
  }
});
