/**
 * Opens report.html in real headless Chromium (Debian package `chromium`, found as `chromium` on
 * PATH or at $GC_CHROMIUM): the page must load without console errors or network requests and show
 * every plot at a nonzero size. Without Chromium the test is skipped with the install line, unless
 * CI is set: there it fails (CI installs it, see .ci/run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { reportCommand } from '../../src/cli/report.js';
import { writeDemoResults } from '../helpers/report-fixtures.js';
import { tempDir } from '../helpers/tmp.js';
import { findOnPath, requirement } from '../helpers/requirements.js';

const CHROMIUM = findOnPath(process.env.GC_CHROMIUM || 'chromium');
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const need = requirement('headless Chromium', CHROMIUM ? [] : [process.env.GC_CHROMIUM || 'chromium on PATH'], 'apt-get install -y chromium');

test('report.html renders in headless Chromium with every plot visible', { skip: need.skip }, async () => {
  assert.equal(need.missing, null, need.missing ?? '');
  const root = tempDir('gc-report-html-').dir;
  writeDemoResults(root);
  const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
  assert.equal(await reportCommand([root], quiet), 0);
  const browser = await chromium.launch({
    executablePath: CHROMIUM!,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith('file:') && !u.startsWith('data:')) problems.push(`network request: ${u}`);
    });
    await page.goto(pathToFileURL(join(root, 'report', 'report.html')).href, { waitUntil: 'load' });
    const imgs = await page.$$eval('figure img', (els) =>
      els.map((e) => {
        const img = e as HTMLImageElement;
        const r = img.getBoundingClientRect();
        return { alt: img.alt, complete: img.complete, natural: img.naturalWidth, w: r.width, h: r.height };
      }),
    );
    assert.equal(imgs.length, 4, 'four plots');
    for (const i of imgs) {
      assert.ok(i.complete && i.natural > 0, `${i.alt}: image decoded`);
      assert.ok(i.w > 100 && i.h > 100, `${i.alt}: rendered ${i.w}x${i.h}`);
    }
    const text = await page.textContent('body');
    assert.match(text!, /lr-sweep/);
    assert.match(text!, /DIVERGED/);
    assert.match(text!, /12 ± 2/);
    assert.equal(await page.locator('tr.failed').count() > 0, true, 'failed runs highlighted');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
